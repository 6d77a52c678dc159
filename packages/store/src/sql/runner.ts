import { createHash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import type { CompiledQuery, Compilable, Kysely } from 'kysely';
import type { Database } from './schema.js';

/** What one statement returned: its rows (for `select` / `returning`) and how many rows it changed. */
export interface Executed {
  rows: Record<string, unknown>[];
  changes: number;
}

/**
 * A multi-statement operation written once for both dialects as a generator: it yields each compiled
 * statement and receives its result. The runner decides how to execute it: SQLite synchronously inside
 * one `BEGIN IMMEDIATE` transaction, PostgreSQL inside one async transaction. Throwing inside rolls the
 * whole transaction back.
 */
export type Steps<R> = Generator<CompiledQuery, R, Executed>;

/** Executes statements and {@link Steps} for the device-trust slices. */
export interface SqlRunner {
  readonly dialect: 'sqlite' | 'postgres';
  /** The query builder (only used to build and compile; execution goes through the runner). */
  readonly db: Kysely<Database>;
  /** One statement, autocommit. */
  run(query: Compilable): Promise<Executed>;
  /** Several statements read without a transaction (no writes). */
  read<R>(steps: () => Steps<R>): Promise<R>;
  /** Several statements in one transaction. */
  transaction<R>(steps: () => Steps<R>): Promise<R>;
}

function drive<R>(steps: Steps<R>, exec: (q: CompiledQuery) => Executed): R {
  let next = steps.next();
  while (!next.done) next = steps.next(exec(next.value));
  return next.value;
}

async function driveAsync<R>(steps: Steps<R>, exec: (q: CompiledQuery) => Promise<Executed>): Promise<R> {
  let next = steps.next();
  while (!next.done) next = steps.next(await exec(next.value));
  return next.value;
}

/** Distinct statements kept prepared; `IN (…)` lists of varying length make new ones, so the cache is bounded. */
const MAX_PREPARED = 256;

/**
 * SQLite: every statement runs on the raw better-sqlite3 handle from a cache of prepared statements
 * (compiled once; the hot paths — device by key thumbprint, posture, decision log — skip Kysely's
 * per-call compilation of the SQL text into a statement). Transactions are synchronous `BEGIN
 * IMMEDIATE`: they never yield to the event loop, so nothing else on this connection (a group-commit
 * batch) can interleave, and the write lock taken first serialises them against other processes.
 */
export function sqliteRunner(raw: BetterSqlite3.Database, db: Kysely<Database>): SqlRunner {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const exec = (query: CompiledQuery): Executed => {
    let statement = cache.get(query.sql);
    if (!statement) {
      if (cache.size >= MAX_PREPARED) cache.clear();
      statement = raw.prepare(query.sql);
      cache.set(query.sql, statement);
    }
    const parameters = query.parameters as unknown[];
    if (statement.reader) {
      const rows = statement.all(...parameters) as Record<string, unknown>[];
      return { rows, changes: rows.length };
    }
    return { rows: [], changes: statement.run(...parameters).changes };
  };
  return {
    dialect: 'sqlite',
    db,
    async run(query) {
      return exec(query.compile());
    },
    async read(steps) {
      return drive(steps(), exec);
    },
    async transaction(steps) {
      return raw.transaction(() => drive(steps(), exec)).immediate();
    },
  };
}

/**
 * PostgreSQL: statements outside transactions run as named prepared statements on the pool (parsed and
 * planned once per connection: device by key thumbprint is asked on every DPoP-bound token request),
 * except those with an `IN (…)` list, whose text varies with its length; transactions are one Kysely
 * transaction. The pool is Kysely's, so rows are parsed the same way either way.
 */
export function postgresRunner(db: Kysely<Database>, pool?: pg.Pool): SqlRunner {
  const execOn = (executor: Pick<Kysely<Database>, 'executeQuery'>) => async (query: CompiledQuery): Promise<Executed> => {
    const result = await executor.executeQuery<Record<string, unknown>>(query);
    return { rows: result.rows, changes: Number(result.numAffectedRows ?? BigInt(result.rows.length)) };
  };
  const viaKysely = execOn(db);
  const names = new Map<string, string | null>();
  const nameOf = (text: string): string | null => {
    let name = names.get(text);
    if (name === undefined) {
      name = / in \(/i.test(text) || names.size >= MAX_PREPARED ? null : `tessera_dt_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      names.set(text, name);
    }
    return name;
  };
  const exec = pool === undefined ? viaKysely : async (query: CompiledQuery): Promise<Executed> => {
    const name = nameOf(query.sql);
    if (name === null) return viaKysely(query);
    const result = await pool.query<Record<string, unknown>>({ name, text: query.sql, values: query.parameters as unknown[] });
    return { rows: result.rows, changes: result.command === 'SELECT' ? result.rows.length : (result.rowCount ?? result.rows.length) };
  };
  return {
    dialect: 'postgres',
    db,
    async run(query) {
      return exec(query.compile());
    },
    async read(steps) {
      return driveAsync(steps(), exec);
    },
    async transaction(steps) {
      return db.transaction().execute(async (trx) => driveAsync(steps(), execOn(trx)));
    },
  };
}
