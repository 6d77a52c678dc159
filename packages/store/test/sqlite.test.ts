import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createSqliteStorage } from '../src/index.js';
import { migrations } from '../src/sql/migrations.js';
import type { Database } from '../src/sql/schema.js';
import { tokenToRow } from '../src/sql/schema.js';
import type { Storage } from '../src/index.js';
import { runStorageConformance } from './conformance.js';
import { at, authorizationCode, deviceCode, session, token } from './fixtures.js';
import { pushedRequest } from './conformance-pushed.js';
import { device, report } from './fixtures-devices.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const files = new WeakMap<Storage, string>();

const variants = [
  { label: 'prepared hot path, group commit', preparedHotPath: true, groupCommit: true },
  { label: 'prepared hot path, commit per put', preparedHotPath: true, groupCommit: false },
  { label: 'kysely only, group commit', preparedHotPath: false, groupCommit: true },
];

for (const { label, preparedHotPath, groupCommit } of variants) {
  runStorageConformance(`sqlite file (${label})`, {
    create: async () => {
      const filename = join(dir, `t${n++}.db`);
      const storage = createSqliteStorage({ filename, preparedHotPath, groupCommit });
      files.set(storage, filename);
      return storage;
    },
    destroy: async (storage) => storage.close(),
    reopen: async (storage) => createSqliteStorage({ filename: files.get(storage)!, preparedHotPath, groupCommit }),
  });
}

runStorageConformance('sqlite :memory:', {
  create: async () => createSqliteStorage({ filename: ':memory:' }),
  destroy: async (storage) => storage.close(),
});

describe('sqlite group commit', () => {
  for (const preparedHotPath of [true, false]) {
    it(`a put that fails for its own reason fails alone, its neighbours are stored (${preparedHotPath ? 'prepared' : 'kysely'})`, async () => {
      const s = createSqliteStorage({ filename: join(dir, `t${n++}.db`), preparedHotPath });
      await s.migrate();
      const good = [token(), token()];
      const bad = { ...token(), subject: null as unknown as string }; // NOT NULL violation
      const results = await Promise.allSettled([s.tokens.put(good[0]!), s.tokens.put(bad), s.tokens.put(good[1]!)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/NOT NULL/);
      for (const t of good) expect(await s.tokens.get(t.hash)).toEqual(t);
      expect(await s.tokens.get(bad.hash)).toBeUndefined();
      await s.close();
    });
  }

  it('close() commits puts still waiting for their turn', async () => {
    const filename = join(dir, `t${n++}.db`);
    const s = createSqliteStorage({ filename });
    await s.migrate();
    const t = token();
    const pending = s.tokens.put(t);
    await s.close();
    await pending;
    const again = createSqliteStorage({ filename });
    expect(await again.tokens.get(t.hash)).toEqual(t);
    await again.close();
  });
});

describe('sqlite group commit under fake timers', () => {
  it('puts still commit when a test has faked the global timers', async () => {
    const s = createSqliteStorage({ filename: ':memory:' });
    await s.migrate();
    vi.useFakeTimers();
    try {
      const t = token();
      await s.tokens.put(t);
      expect(await s.tokens.get(t.hash)).toEqual(t);
    } finally {
      vi.useRealTimers();
      await s.close();
    }
  });
});

/** A SQLite file with only the first `count` migrations applied, as an older release left it. */
function databaseMigratedThrough(count: number) {
  const filename = join(dir, `t${n++}.db`);
  const raw = new BetterSqlite3(filename);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  const run = (q: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
    const { sql, parameters } = q.compile();
    raw.prepare(sql).run(...parameters);
  };
  run(db.schema.createTable('tessera_migrations').addColumn('name', 'text', (c) => c.primaryKey()).addColumn('applied_at', 'bigint'));
  for (const m of migrations.slice(0, count)) {
    for (const statement of m.up(db, 'sqlite')) run(statement);
    run(db.insertInto('tessera_migrations').values({ name: m.name, applied_at: 0 }));
  }
  return { filename, raw, db, run };
}

describe('sqlite migration 0003 on a database from before it', () => {
  it('adds the rotation columns as NULL to existing tokens, which then rotate normally', async () => {
    const { filename, raw, db } = databaseMigratedThrough(2);
    const old = token({ kind: 'refresh_token', grantId: 'g' });
    const { rotatedAt: _r, successorHash: _s, ...columnsBefore0003 } = old;
    raw.prepare(`insert into tokens (hash, kind, jti, client_id, subject, audience, scope, grant_id, jkt, device_id,
      session_id, claims, issued_at, expires_at, revoked_at) values (?, ?, ?, ?, ?, ?, ?, ?, null, null, null, '{}', ?, ?, null)`)
      .run(old.hash, old.kind, old.jti, old.clientId, old.subject, JSON.stringify(old.audience), JSON.stringify(old.scope),
        old.grantId, old.issuedAt.getTime(), old.expiresAt.getTime());
    await db.destroy();

    const s = createSqliteStorage({ filename });
    try {
      await s.migrate();
      expect(await s.tokens.get(old.hash)).toEqual({ ...columnsBefore0003, rotatedAt: null, successorHash: null });
      expect((await s.tokens.rotate(old.hash, token({ kind: 'refresh_token', grantId: 'g' }), at(1))).status).toBe('rotated');
    } finally {
      await s.close();
    }
  });
});

describe('sqlite migrations 0005 and 0006 on a database from before them', () => {
  it('a device code approved before 0005 polls as approved with signIn null; sessions then remember their clients', async () => {
    const { filename, raw, db } = databaseMigratedThrough(4);
    const old = deviceCode({ status: 'approved', userId: 'u1', grantId: 'g1' });
    raw.prepare(`insert into device_codes (hash, user_code, client_id, scope, resource, status, user_id, grant_id, interval_seconds,
      last_polled_at, created_at, expires_at, version) values (?, ?, ?, ?, '[]', 'approved', 'u1', 'g1', ?, null, ?, ?, 1)`)
      .run(old.hash, old.userCode, old.clientId, JSON.stringify(old.scope), old.interval, old.createdAt.getTime(), old.expiresAt.getTime());
    await db.destroy();

    const s = createSqliteStorage({ filename });
    try {
      await s.migrate();
      expect(await s.deviceCodes.poll(old.hash, at(1))).toEqual({ status: 'approved', record: { ...old, status: 'consumed', lastPolledAt: at(1), signIn: null } });
      const live = session();
      await s.sessions.create(live);
      await s.sessions.addClient(live.sid, 'c_tv', at(2));
      expect(await s.sessions.clientsOf(live.sid)).toEqual(['c_tv']);
    } finally {
      await s.close();
    }
  });
});

describe('sqlite migration 0004 on a database from before it', () => {
  it('adds the device-trust tables; tokens stored before it are kept and listed by device', async () => {
    const { filename, db, run } = databaseMigratedThrough(3);
    const old = token({ deviceId: 'd-old' });
    run(db.insertInto('tokens').values(tokenToRow(old)));
    await db.destroy();

    const s = createSqliteStorage({ filename });
    try {
      await s.migrate();
      expect(await s.tokens.listByDevice('d-old', 10)).toEqual([old]);
      const d = device();
      await s.devices.create(d);
      expect((await s.devices.recordPosture(d.id, report(1), at(2))).status).toBe('applied');
    } finally {
      await s.close();
    }
  });
});

describe('sqlite migration 0007 on a database from before it', () => {
  it('adds pushed_requests; codes stored before it are kept, and a push is stored and used once', async () => {
    const { filename, db, run } = databaseMigratedThrough(6);
    const old = authorizationCode();
    run(db.insertInto('authorization_codes').values({
      hash: old.hash, client_id: old.clientId, user_id: old.userId, session_id: old.sessionId, redirect_uri: old.redirectUri,
      scope: JSON.stringify(old.scope), resource: JSON.stringify(old.resource), code_challenge: old.codeChallenge,
      code_challenge_method: 'S256', nonce: old.nonce, auth_time: old.authTime.getTime(), acr: old.acr, amr: JSON.stringify(old.amr),
      claims: JSON.stringify(old.claims), dpop_jkt: old.dpopJkt, grant_id: old.grantId, issued_at: old.issuedAt.getTime(),
      expires_at: old.expiresAt.getTime(), consumed_at: null,
    }));
    await db.destroy();

    const s = createSqliteStorage({ filename });
    try {
      await s.migrate();
      expect(await s.authorizationCodes.consume(old.hash, at(1))).toMatchObject({ status: 'ok' });
      const pushed = pushedRequest();
      await s.pushedRequests.create(pushed);
      expect((await s.pushedRequests.consume(pushed.hash, at(2))).status).toBe('ok');
      expect((await s.pushedRequests.consume(pushed.hash, at(3))).status).toBe('used');
    } finally {
      await s.close();
    }
  });
});
