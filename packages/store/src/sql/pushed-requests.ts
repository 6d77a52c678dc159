import type { Kysely } from 'kysely';
import { ConflictError } from '../contracts/index.js';
import type { PushedRequestRecord, PushedRequestStore } from '../contracts/index.js';
import type { Database, PushedRequestsTable } from './schema.js';

const count = (n: bigint | undefined): number => Number(n ?? 0n);

function toRow(r: PushedRequestRecord): PushedRequestsTable {
  return {
    hash: r.hash, client_id: r.clientId, params: JSON.stringify(r.params), created_at: r.createdAt.getTime(),
    expires_at: r.expiresAt.getTime(), consumed_at: r.consumedAt?.getTime() ?? null,
  };
}

function fromRow(r: PushedRequestsTable): PushedRequestRecord {
  return {
    v: 1, hash: r.hash, clientId: r.client_id, params: JSON.parse(r.params), createdAt: new Date(Number(r.created_at)),
    expiresAt: new Date(Number(r.expires_at)), consumedAt: r.consumed_at === null ? null : new Date(Number(r.consumed_at)),
  };
}

/** Pushed authorization requests over Kysely; each method is one statement (consume: a compare-and-set, then a read when it lost). */
export function createSqlPushedRequests(db: Kysely<Database>): PushedRequestStore {
  return {
    async create(record) {
      const res = await db.insertInto('pushed_requests').values(toRow(record))
        .onConflict((oc) => oc.column('hash').doNothing()).executeTakeFirst();
      if (count(res.numInsertedOrUpdatedRows) === 0) throw new ConflictError('pushed authorization request', record.hash);
    },
    async get(hash) {
      const row = await db.selectFrom('pushed_requests').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row && fromRow(row);
    },
    async consume(hash, at) {
      // The compare-and-set decides; concurrent callers queue on the row lock and then find it used.
      const won = await db.updateTable('pushed_requests').set({ consumed_at: at.getTime() })
        .where('hash', '=', hash).where('consumed_at', 'is', null).returningAll().executeTakeFirst();
      if (won) return { status: 'ok', record: fromRow(won) };
      const row = await db.selectFrom('pushed_requests').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row ? { status: 'used', record: fromRow(row) } : { status: 'not_found' };
    },
    async pruneExpired(before) {
      const res = await db.deleteFrom('pushed_requests').where('expires_at', '<', before.getTime()).executeTakeFirst();
      return count(res.numDeletedRows);
    },
  };
}
