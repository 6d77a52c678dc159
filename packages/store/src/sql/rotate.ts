import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { ConflictError } from '../contracts/index.js';
import type { NewTokenRecord, TokenHash, TokenRotation } from '../contracts/index.js';
import { rotationRefusal } from '../rotation.js';
import { tokenFromRow, tokenToRow } from './schema.js';
import type { Database, TokenRow } from './schema.js';

/** `tokens.rotate` for one dialect (see the contract: one transaction, exactly one winner). */
export type RotateToken = (hash: TokenHash, successor: NewTokenRecord, at: Date) => Promise<TokenRotation>;

/**
 * PostgreSQL: one transaction that first locks the old row (`FOR UPDATE`); a concurrent rotation of the
 * same token waits on that lock and then reads the committed result (rotated), so exactly one wins. A
 * `ConflictError` thrown inside rolls the whole transaction back.
 */
export function kyselyRotate(db: Kysely<Database>): RotateToken {
  return (hash, successor, at) => db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('tokens').selectAll().where('hash', '=', hash).forUpdate().executeTakeFirst();
    if (!row) return { status: 'not_found' };
    const old = tokenFromRow(row);
    const refusal = rotationRefusal(old, at);
    if (refusal) return { status: refusal, record: old };
    const inserted = await trx.insertInto('tokens').values(tokenToRow(successor))
      .onConflict((oc) => oc.column('hash').doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) throw new ConflictError('token', successor.jti);
    const updated = await trx.updateTable('tokens').set({ rotated_at: at.getTime(), successor_hash: successor.hash })
      .where('hash', '=', hash).returningAll().executeTakeFirstOrThrow();
    return { status: 'rotated', record: tokenFromRow(updated) };
  });
}

const COLUMNS = [
  'hash', 'kind', 'jti', 'client_id', 'subject', 'audience', 'scope', 'grant_id', 'jkt', 'device_id',
  'session_id', 'claims', 'issued_at', 'expires_at', 'revoked_at', 'rotated_at', 'successor_hash',
] as const satisfies readonly (keyof TokenRow)[];

/** The column list of `tokens`, for hand-written statements. */
export const TOKEN_COLUMNS: readonly (keyof TokenRow)[] = COLUMNS;

/**
 * SQLite: one synchronous `BEGIN IMMEDIATE` transaction on the raw handle. It never yields to the event
 * loop, so nothing else on this connection can interleave with it (an async Kysely transaction could
 * swallow a concurrent group-commit batch on the same connection), and the write lock taken first
 * serialises it against other processes on the file.
 */
export function sqliteRotate(raw: BetterSqlite3.Database): RotateToken {
  let prepared: ReturnType<typeof prepare> | undefined;
  function prepare() {
    const get = raw.prepare<[string], TokenRow>('select * from tokens where hash = ?');
    const insert = raw.prepare<TokenRow>(
      `insert into tokens (${COLUMNS.join(', ')}) values (${COLUMNS.map((c) => `@${c}`).join(', ')}) on conflict (hash) do nothing`,
    );
    const mark = raw.prepare<[number, string, string], TokenRow>(
      'update tokens set rotated_at = ?, successor_hash = ? where hash = ? returning *',
    );
    const rotate = raw.transaction((hash: string, successor: NewTokenRecord, at: Date): TokenRotation => {
      const row = get.get(hash);
      if (!row) return { status: 'not_found' };
      const old = tokenFromRow(row);
      const refusal = rotationRefusal(old, at);
      if (refusal) return { status: refusal, record: old };
      // Throwing inside the transaction function rolls it back.
      if (insert.run(tokenToRow(successor)).changes === 0) throw new ConflictError('token', successor.jti);
      return { status: 'rotated', record: tokenFromRow(mark.get(at.getTime(), successor.hash, hash)!) };
    });
    return { rotate };
  }
  // Prepared lazily: the table exists only once `migrate()` has run.
  return async (hash, successor, at) => (prepared ??= prepare()).rotate.immediate(hash, successor, at);
}
