import { ConflictError } from './contracts/index.js';
import type { PushedRequestRecord, PushedRequestStore } from './contracts/index.js';

/** In-memory pushed authorization requests (not for production). Each method runs synchronously, hence atomically. */
export function memoryPushedRequests(): PushedRequestStore {
  const requests = new Map<string, PushedRequestRecord>();
  const copy = <T>(value: T): T => structuredClone(value);
  return {
    async create(record) {
      if (requests.has(record.hash)) throw new ConflictError('pushed authorization request', record.hash);
      requests.set(record.hash, copy(record));
    },
    async get(hash) {
      const found = requests.get(hash);
      return found && copy(found);
    },
    async consume(hash, at) {
      const found = requests.get(hash);
      if (!found) return { status: 'not_found' };
      if (found.consumedAt !== null) return { status: 'used', record: copy(found) };
      const next = { ...found, consumedAt: new Date(at.getTime()) };
      requests.set(hash, next);
      return { status: 'ok', record: copy(next) };
    },
    async pruneExpired(before) {
      let n = 0;
      for (const [hash, record] of requests) {
        if (record.expiresAt.getTime() < before.getTime() && requests.delete(hash)) n++;
      }
      return n;
    },
  };
}
