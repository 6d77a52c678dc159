import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { ConflictError } from './contracts/index.js';
import type { NewTokenRecord, RevocationRecord, Storage, TokenRecord } from './contracts/index.js';
import { migrations, migrationsTable } from './sql/migrations.js';
import { revocationFromRow, tokenFromRow, tokenToRow } from './sql/schema.js';
import type { Database, RevocationRow, TokenRow } from './sql/schema.js';
import { groupCommit } from './sql/group-commit.js';
import { createSqlStorage } from './sql/storage.js';
import { sqliteRunner } from './sql/runner.js';
import { sqliteRotate, TOKEN_COLUMNS } from './sql/rotate.js';

const MAX_BATCH = 500;

/** Options for {@link createSqliteStorage}. */
export interface SqliteStorageOptions {
  /** Database file (its directory must exist: creating the data dir is the caller's job), or `':memory:'`. */
  filename: string;
  /**
   * `normal` (default): in WAL mode every committed write survives a crash of the process, but the last
   * commits may be lost if the machine loses power. `full`: fsync on every commit, survives power loss
   * too, at a large cost in write throughput.
   */
  synchronous?: 'normal' | 'full';
  /** How long a writer waits for another process's lock before failing with SQLITE_BUSY. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * WAL pages written before SQLite checkpoints them into the database file (`wal_autocheckpoint`).
   * A checkpoint fsyncs, and better-sqlite3 runs it on the event loop inside whichever commit crosses
   * the threshold; SQLite's default of 1000 pages (~4 MiB) meant a checkpoint every second or so under
   * token issuance, each stalling every request in flight. Default 16384 (~64 MiB of WAL at most before
   * a checkpoint; the file is truncated back to 64 MiB afterwards).
   */
  walAutocheckpointPages?: number;
  /**
   * Page cache of this connection in KiB (`cache_size = -N`). Token hashes are random keys, so every
   * insert lands on a random leaf of the primary-key B-tree; once the table outgrows SQLite's default
   * 2 MiB cache, each insert reads its leaf back through a syscall. Default 65536 (64 MiB: the index
   * pages of a few million tokens).
   */
  cacheSizeKib?: number;
  /**
   * Serve `tokens.put`, `tokens.get` and `revocations.get` (called on every issuance and introspection)
   * from cached better-sqlite3 prepared statements instead of Kysely. Default true; `false` exists to
   * measure the difference.
   */
  preparedHotPath?: boolean;
  /**
   * Commit the `tokens.put` calls of one event-loop turn in one transaction (default true). Each
   * promise still resolves only after its row is committed; `false` commits every put on its own.
   */
  groupCommit?: boolean;
  /** Clock for replay-marker expiry, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
}

/**
 * Storage in one SQLite file via better-sqlite3: the embedded default, nothing to install. WAL journal
 * (readers never block the writer), foreign keys on, `busy_timeout` so that several processes on one
 * file wait for each other instead of failing. Call `migrate()` before use.
 */
export function createSqliteStorage(options: SqliteStorageOptions): Storage {
  const raw = new BetterSqlite3(options.filename);
  raw.pragma('journal_mode = WAL');
  raw.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  raw.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
  raw.pragma('foreign_keys = ON');
  raw.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(options.walAutocheckpointPages ?? 16384))}`);
  raw.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  raw.pragma(`cache_size = ${-Math.max(2048, Math.floor(options.cacheSizeKib ?? 65_536))}`);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });

  const batched = options.groupCommit ?? true;
  const storage = createSqlStorage({
    kind: 'sqlite',
    db,
    groupCommit: batched,
    rotateToken: sqliteRotate(raw),
    runner: sqliteRunner(raw, db),
    now: options.now ?? Date.now,
    migrate: async () => migrateSqlite(raw, db),
    close: async () => db.destroy(),
  });
  if (options.preparedHotPath === false) return storage;
  return withPreparedHotPath(storage, raw, batched);
}

/**
 * Apply pending migrations in ONE synchronous `BEGIN IMMEDIATE` transaction: it takes SQLite's write
 * lock first (another process migrating the same file waits on `busy_timeout`), reads what is applied
 * only once it holds the lock, and never yields to the event loop while holding it, so two handles in
 * one process cannot deadlock either. Statements are built by Kysely and run on the raw handle.
 */
function migrateSqlite(raw: BetterSqlite3.Database, db: Kysely<Database>): void {
  const run = (q: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
    const { sql, parameters } = q.compile();
    raw.prepare(sql).run(...parameters);
  };
  raw.transaction(() => {
    run(migrationsTable(db));
    const applied = new Set(
      (raw.prepare('select name from tessera_migrations').all() as { name: string }[]).map((r) => r.name),
    );
    for (const migration of migrations) {
      if (applied.has(migration.name)) continue;
      for (const statement of migration.up(db, 'sqlite')) run(statement);
      run(db.insertInto('tessera_migrations').values({ name: migration.name, applied_at: Date.now() }));
    }
  }).immediate();
}


/**
 * Replace the three hot-path methods with cached prepared statements. Kysely compiles its query tree
 * on every call; here the SQL is compiled once and each call is one synchronous native step. These
 * statements are single autocommit statements, so they never interleave with a Kysely transaction
 * (the adapter only opens one during `migrate()`, synchronously).
 */
function withPreparedHotPath(storage: Storage, raw: BetterSqlite3.Database, batched: boolean): Storage {
  let statements: ReturnType<typeof prepare> | undefined;
  function prepare() {
    return {
      putToken: raw.prepare<TokenRow>(
        `insert into tokens (${TOKEN_COLUMNS.join(', ')}) values (${TOKEN_COLUMNS.map((c) => `@${c}`).join(', ')})
         on conflict (hash) do nothing`,
      ),
      getToken: raw.prepare<[string], TokenRow>('select * from tokens where hash = ?'),
      getRevocation: raw.prepare<[string], RevocationRow>('select * from revocations where jti = ?'),
    };
  }
  // Prepared lazily: the tables exist only once `migrate()` has run.
  const stmts = () => (statements ??= prepare());

  const insertOne = (record: NewTokenRecord): Error | undefined =>
    stmts().putToken.run(tokenToRow(record)).changes === 0 ? new ConflictError('token', record.jti) : undefined;
  // A batch is one transaction of single-row inserts; a failing row only undoes its own statement.
  const insertMany = raw.transaction((records: NewTokenRecord[]) =>
    records.map((record) => {
      try {
        return insertOne(record);
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    }),
  );
  const batch = batched ? groupCommit(insertMany.immediate, MAX_BATCH) : undefined;

  const tokens = {
    ...storage.tokens,
    async put(record: NewTokenRecord): Promise<void> {
      if (batch) return batch.submit(record);
      const error = insertOne(record);
      if (error) throw error;
    },
    async get(hash: string): Promise<TokenRecord | undefined> {
      const row = stmts().getToken.get(hash);
      return row && tokenFromRow(row);
    },
  };
  const revocations = {
    ...storage.revocations,
    async get(jti: string): Promise<RevocationRecord | undefined> {
      const row = stmts().getRevocation.get(jti);
      return row && revocationFromRow(row);
    },
  };
  return {
    ...storage,
    tokens,
    revocations,
    async close() {
      await batch?.flush();
      await storage.close();
    },
  };
}
