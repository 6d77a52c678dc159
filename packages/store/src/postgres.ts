import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { RevocationRecord, Storage, TokenRecord } from './contracts/index.js';
import { migrations, migrationsTable } from './sql/migrations.js';
import { revocationFromRow, tokenFromRow } from './sql/schema.js';
import type { Database, RevocationRow, TokenRow } from './sql/schema.js';
import { createSqlStorage } from './sql/storage.js';
import { postgresRunner } from './sql/runner.js';
import { kyselyRotate, TOKEN_COLUMNS } from './sql/rotate.js';

/** Options for {@link createPostgresStorage}. */
export interface PostgresStorageOptions {
  /** Connection string, e.g. `postgres://user:pass@host:5432/db`. */
  url: string;
  /**
   * Schema holding Tessera's tables (created by `migrate()` if missing); set as the connections'
   * `search_path`. Lets several Tessera installations, or parallel test runs, share one database.
   * Default: the server's default (`public`). Letters, digits and `_` only.
   */
  schema?: string;
  /** Extra `pg.Pool` settings (size, timeouts, TLS). `connectionString`, `options` and `types` are ours. */
  pool?: Omit<pg.PoolConfig, 'connectionString' | 'options' | 'types'>;
  /**
   * Commit the `tokens.put` calls of one event-loop turn as one multi-row INSERT (default true): one
   * WAL flush for many tokens. Each promise still resolves only after its row is committed.
   */
  groupCommit?: boolean;
  /** Serve `tokens.get`/`revocations.get` from named prepared statements (default true); `false` to measure. */
  preparedHotPath?: boolean;
  /** Clock for replay-marker expiry, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const INT8_OID = 20;
const JSONB_OID = 3802;
const JSON_OID = 114;

/**
 * The parsers this adapter's rows rely on (see `sql/schema.ts`): `int8` epoch-ms columns become
 * numbers, `json`/`jsonb` stay text for the shared mapper to parse. Set per pool, never globally,
 * so other `pg` users in the process are unaffected.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID) return (value: string) => Number(value);
    if (oid === JSONB_OID || oid === JSON_OID) return (value: string) => value;
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Storage in PostgreSQL via `pg` and Kysely: the scale-out backend, shared by every node. Call
 * `migrate()` before use; it is safe to run from several nodes at once.
 */
export function createPostgresStorage(options: PostgresStorageOptions): Storage {
  const schema = options.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new TypeError(`invalid PostgreSQL schema name ${JSON.stringify(schema)}: use letters, digits and _`);
  }
  const pool = new pg.Pool({
    ...options.pool,
    connectionString: options.url,
    types,
    // search_path per connection: every unqualified table name resolves inside `schema`.
    ...(schema === undefined ? {} : { options: `-c search_path="${schema}"` }),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });

  const storage = createSqlStorage({
    kind: 'postgres',
    db,
    groupCommit: options.groupCommit ?? true,
    rotateToken: kyselyRotate(db),
    runner: postgresRunner(db, options.preparedHotPath === false ? undefined : pool),
    now: options.now ?? Date.now,
    migrate: async () => migratePostgres(db, schema),
    close: async () => db.destroy(),
  });
  if (options.preparedHotPath === false) return storage;
  return withPreparedHotPath(storage, pool);
}

const TOKEN_SELECT = TOKEN_COLUMNS.join(', ');

/**
 * `tokens.get` and `revocations.get` (every introspection) as named server-side prepared statements:
 * parsed and planned once per connection, and no Kysely compilation per call.
 */
function withPreparedHotPath(storage: Storage, pool: pg.Pool): Storage {
  const tokens = {
    ...storage.tokens,
    async get(hash: string): Promise<TokenRecord | undefined> {
      const { rows } = await pool.query<TokenRow>({
        name: 'tessera_tokens_get', text: `select ${TOKEN_SELECT} from tokens where hash = $1`, values: [hash],
      });
      return rows[0] && tokenFromRow(rows[0]);
    },
  };
  const revocations = {
    ...storage.revocations,
    async get(jti: string): Promise<RevocationRecord | undefined> {
      const { rows } = await pool.query<RevocationRow>({
        name: 'tessera_revocations_get',
        text: 'select jti, client_id, expires_at, revoked_at, reason from revocations where jti = $1',
        values: [jti],
      });
      return rows[0] && revocationFromRow(rows[0]);
    },
  };
  return { ...storage, tokens, revocations };
}

/**
 * Apply pending migrations in one transaction that first takes a transaction-scoped advisory lock
 * keyed by the schema: a second node migrating at the same time waits, then finds everything applied.
 * DDL is transactional in PostgreSQL, so a failed migration leaves nothing behind; the lock is released
 * by commit or rollback, never leaked by a crashed node.
 */
async function migratePostgres(db: Kysely<Database>, schema: string | undefined): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const lockKey = `tessera:migrate:${schema ?? 'public'}`;
    await sql`select pg_advisory_xact_lock(hashtext(${lockKey}))`.execute(trx);
    if (schema !== undefined) await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
    await trx.executeQuery(migrationsTable(db).compile());
    const applied = new Set((await trx.selectFrom('tessera_migrations').select('name').execute()).map((r) => r.name));
    for (const migration of migrations) {
      if (applied.has(migration.name)) continue;
      for (const statement of migration.up(db, 'postgres')) await trx.executeQuery(statement.compile());
      await trx.insertInto('tessera_migrations').values({ name: migration.name, applied_at: Date.now() }).execute();
    }
  });
}
