import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../src/index.js';
import type { PushedRequestRecord, Storage } from '../src/index.js';
import { at, T0 } from './fixtures.js';

export function pushedRequest(overrides: Partial<PushedRequestRecord> = {}): PushedRequestRecord {
  return {
    v: 1,
    hash: randomUUID().replaceAll('-', '') + 'Pr_-',
    clientId: 'c_web',
    params: { response_type: ['code'], client_id: ['c_web'], scope: ['openid read'], resource: ['https://a.example', 'https://b.example'], 'é&=': [''] },
    createdAt: T0,
    expiresAt: at(60_000),
    consumedAt: null,
    ...overrides,
  };
}

/** Pushed authorization requests (RFC 9126); part of {@link runStorageConformance}. */
export function pushedRequestsConformance(storage: () => Storage): void {
  describe('pushed authorization requests', () => {
    it('create then get returns the record exactly as given, every value of every parameter in order', async () => {
      const r = pushedRequest();
      await storage().pushedRequests.create(r);
      expect(await storage().pushedRequests.get(r.hash)).toEqual(r);
    });
    it('get of an unknown hash resolves undefined', async () => {
      expect(await storage().pushedRequests.get('unknown')).toBeUndefined();
    });
    it('create rejects a duplicate hash with ConflictError and keeps the first record', async () => {
      const r = pushedRequest();
      await storage().pushedRequests.create(r);
      await expect(storage().pushedRequests.create({ ...r, clientId: 'other' })).rejects.toBeInstanceOf(ConflictError);
      expect((await storage().pushedRequests.get(r.hash))?.clientId).toBe('c_web');
    });
    it('consume returns ok with consumedAt set; a second consume is used, with the first consumption time (RFC 9126 §7.3)', async () => {
      const r = pushedRequest();
      await storage().pushedRequests.create(r);
      expect(await storage().pushedRequests.consume(r.hash, at(5))).toEqual({ status: 'ok', record: { ...r, consumedAt: at(5) } });
      expect(await storage().pushedRequests.consume(r.hash, at(6))).toEqual({ status: 'used', record: { ...r, consumedAt: at(5) } });
      expect((await storage().pushedRequests.get(r.hash))?.consumedAt).toEqual(at(5));
    });
    it('consume of an unknown hash is not_found', async () => {
      expect(await storage().pushedRequests.consume('unknown', at(1))).toEqual({ status: 'not_found' });
    });
    it('10 concurrent consumes of one request: exactly one ok, nine used', async () => {
      const r = pushedRequest();
      await storage().pushedRequests.create(r);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => storage().pushedRequests.consume(r.hash, at(i))));
      expect(results.filter((x) => x.status === 'ok')).toHaveLength(1);
      expect(results.filter((x) => x.status === 'used')).toHaveLength(9);
    });
    it('an expired request is still consumed and returned: expiry is the caller\'s check', async () => {
      const r = pushedRequest({ expiresAt: at(-1) });
      await storage().pushedRequests.create(r);
      expect(await storage().pushedRequests.consume(r.hash, at(1))).toMatchObject({ status: 'ok', record: { expiresAt: at(-1) } });
    });
    it('pruneExpired deletes requests expired before `before`, used or not, and keeps the rest', async () => {
      const gone = pushedRequest({ expiresAt: at(-1), consumedAt: at(-30) });
      const goneUnused = pushedRequest({ expiresAt: at(-2) });
      const live = pushedRequest({ expiresAt: at(1) });
      for (const r of [gone, goneUnused, live]) await storage().pushedRequests.create(r);
      expect(await storage().pushedRequests.pruneExpired(T0)).toBe(2);
      expect(await storage().pushedRequests.get(gone.hash)).toBeUndefined();
      expect(await storage().pushedRequests.get(live.hash)).toEqual(live);
    });
  });
}
