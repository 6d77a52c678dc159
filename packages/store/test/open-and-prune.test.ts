import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createMemoryStorage, openStorage, startPruning } from '../src/index.js';
import type { StorageConfig } from '../src/index.js';
import { at, T0, token } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openStorage', () => {
  it('opens the backend named by `kind`', async () => {
    const memory = await openStorage({ kind: 'memory' });
    expect(memory.kind).toBe('memory');
    const sqlite = await openStorage({ kind: 'sqlite', filename: join(dir, 'open.db') });
    expect(sqlite.kind).toBe('sqlite');
    await sqlite.migrate();
    await sqlite.ping();
    await sqlite.close();
  });

  it.skipIf(!process.env.TESSERA_TEST_PG_URL)('opens PostgreSQL lazily (no connection until used)', async () => {
    const pg = await openStorage({ kind: 'postgres', url: process.env.TESSERA_TEST_PG_URL!, schema: 'tessera_t_unused' });
    expect(pg.kind).toBe('postgres');
    await pg.close();
  });

  it('rejects an unknown kind with a clear error', async () => {
    await expect(openStorage({ kind: 'mongodb' } as unknown as StorageConfig)).rejects.toThrow(/unknown storage kind "mongodb"/);
  });
});

describe('startPruning', () => {
  it('prunes on every interval with a frozen clock minus the grace period, and reports what it deleted', async () => {
    vi.useFakeTimers();
    try {
      const storage = createMemoryStorage();
      await storage.tokens.put(token({ expiresAt: at(-10_000) }));
      await storage.tokens.put(token({ expiresAt: at(-1_000) }));
      const reports: Record<string, number>[] = [];
      const stop = startPruning(storage, { everyMs: 1000, graceMs: 5_000, now: () => T0.getTime(), onPruned: (c) => reports.push(c) });
      await vi.advanceTimersByTimeAsync(999);
      expect(reports).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(reports).toEqual([{ tokens: 1, revocations: 0, replay: 0, keys: 0, sessions: 0, loginThrottle: 0, authorizationCodes: 0, deviceCodes: 0, grants: 0, cutoffs: 0, ssfEvents: 0, pushedRequests: 0 }]);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(reports).toHaveLength(1); // the token within the grace period stays; empty runs are not reported
      await stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a failing run is reported to onError and the schedule continues', async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      const errors: unknown[] = [];
      const stop = startPruning(
        { pruneExpired: async () => { calls++; throw new Error('db down'); } },
        { everyMs: 10, onError: (e) => errors.push(e) },
      );
      await vi.advanceTimersByTimeAsync(30);
      expect(calls).toBe(3);
      expect(errors.map(String)).toEqual(['Error: db down', 'Error: db down', 'Error: db down']);
      await stop();
      await vi.advanceTimersByTimeAsync(100);
      expect(calls).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
