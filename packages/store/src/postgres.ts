import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Storage } from './contracts/index.js';
import { migrations, migrationsTable } from './sql/migrations.js';
import type { Database } from './sql/schema.js';
import { createSqlStorage } from './sql/storage.js';

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

  return createSqlStorage({
    kind: 'postgres',
    db,
    groupCommit: options.groupCommit ?? true,
    now: options.now ?? Date.now,
    migrate: async () => migratePostgres(db, schema),
    close: async () => db.destroy(),
  });
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
