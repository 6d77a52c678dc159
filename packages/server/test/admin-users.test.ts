import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStorage, openStorage, type NewTokenRecord, type Storage } from '@tessera/store';
import { base32Decode, createPasswordHasher, hotp, startSession, totpStep } from '../src/accounts/index.js';
import { AdminError, createAdmin, createEventBus, type ServerEvents } from '../src/index.js';
import { frozenClock, rejection } from './helpers.js';

// The cheapest argon2id the hasher accepts: these tests are about admin rules, not hashing cost.
const FAST_ARGON = { memoryCost: 7168, timeCost: 1, parallelism: 1, maxPasswordBytes: 1024 };
const MASTER = Buffer.alloc(32, 3);

/** Storage matters here (paging order, revoke-by-user/subject statements): every case runs on memory and SQLite. */
const STORES = ['memory', 'sqlite'] as const;
let kind: (typeof STORES)[number] = 'memory';
const opened: Storage[] = [];
afterAll(async () => {
  for (const storage of opened) await storage.close();
});

async function fixture(options: { masterKey?: Buffer | null } = {}) {
  const clock = frozenClock();
  const storage =
    kind === 'memory'
      ? createMemoryStorage({ now: clock.now })
      : await openStorage({ kind: 'sqlite', filename: join(mkdtempSync(join(tmpdir(), 'tessera-users-')), 'tessera.db') });
  await storage.migrate();
  opened.push(storage);
  const events: { name: string; event: unknown }[] = [];
  const bus = createEventBus(() => undefined);
  bus.on('user.disabled', (event) => void events.push({ name: 'user.disabled', event }));
  bus.on('session.revoked', (event) => void events.push({ name: 'session.revoked', event }));
  const admin = createAdmin(storage, {
    now: clock.now,
    accounts: {
      passwords: createPasswordHasher(FAST_ARGON),
      events: bus,
      ...(options.masterKey !== null && { masterKey: options.masterKey ?? MASTER }),
    },
  });
  return { clock, storage, admin, users: admin.users, events };
}

async function issues(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AdminError);
    return (error as AdminError).issues;
  }
  throw new Error('expected an AdminError');
}

function refreshToken(subject: string, sessionId: string | null, at: Date, n: number): NewTokenRecord {
  return {
    v: 1,
    hash: `hash-${n}`,
    kind: 'refresh_token',
    jti: `jti-${n}`,
    clientId: 'cl_app',
    subject,
    audience: ['https://api.example.com'],
    scope: ['openid'],
    grantId: `grant-${n}`,
    jkt: null,
    deviceId: null,
    sessionId,
    claims: {},
    issuedAt: at,
    expiresAt: new Date(at.getTime() + 86_400_000),
    revokedAt: null,
  };
}

describe.each(STORES)('admin.users: create, get, list (%s)', (store) => {
  beforeAll(() => {
    kind = store;
  });
  it('creates through the account service: canonical username, argon2id hash, no secret in the view', async () => {
    const { users, storage } = await fixture();
    const user = await users.create({ username: 'Alice', password: 'correct horse', email: 'alice@example.com', groups: ['staff', 'staff', 'ops'] });
    expect(user).toMatchObject({ username: 'alice', email: 'alice@example.com', status: 'active', groups: ['staff', 'ops'], totp: 'none' });
    expect(Object.keys(user)).not.toContain('passwordHash');
    const stored = await storage.users.get(user.id);
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await users.get('ALICE')).toEqual(user);
    expect(await users.get(user.id)).toEqual(user);
    expect(await users.get('nobody')).toBeUndefined();
  });

  it('returns every field error at once, each with a stable code', async () => {
    const { users } = await fixture();
    const found = await issues(users.create({ username: 'a', password: 'short', email: 'not-an-email', groups: ['has space'] }));
    expect(found.map((i) => i.code).sort()).toEqual(['invalid_email', 'invalid_groups', 'invalid_username', 'password_too_short']);
    expect(found.find((i) => i.code === 'invalid_username')?.path).toBe('username');
  });

  it('refuses a second user with the same username in another case (username_taken)', async () => {
    const { users } = await fixture();
    await users.create({ username: 'bob', password: 'long enough pw' });
    expect((await issues(users.create({ username: 'BOB', password: 'another password' }))).map((i) => i.code)).toEqual(['username_taken']);
  });

  it('NIST SP 800-63B §5.1.1.2: refuses a password equal to the username', async () => {
    const { users } = await fixture();
    expect((await issues(users.create({ username: 'carol1234', password: 'CAROL1234' }))).map((i) => i.code)).toEqual(['password_equals_username']);
  });

  it('pages through users ordered by username, without gaps or repeats', async () => {
    const { users } = await fixture();
    for (const name of ['dave', 'ann', 'eve', 'bea', 'cy1']) await users.create({ username: name, password: 'a long password' });
    const first = await users.list({ limit: 2 });
    expect(first.users.map((u) => u.username)).toEqual(['ann', 'bea']);
    const second = await users.list({ limit: 2, after: first.next! });
    expect(second.users.map((u) => u.username)).toEqual(['cy1', 'dave']);
    const third = await users.list({ limit: 2, after: second.next! });
    expect(third).toMatchObject({ users: [{ username: 'eve' }], next: null });
    expect(await rejection(users.list({ limit: 0 }))).toMatch(/limit/);
    expect(await rejection(users.list({ limit: 10_000 }))).toMatch(/limit/);
  });
});

describe.each(STORES)('admin.users: disable and enable (%s)', (store) => {
  beforeAll(() => {
    kind = store;
  });
  it('disabling revokes every session and stored token of the user and emits user.disabled with the sids', async () => {
    const { users, storage, clock, events } = await fixture();
    const alice = await users.create({ username: 'alice', password: 'correct horse' });
    const bob = await users.create({ username: 'bob', password: 'battery staple' });
    const now = new Date(clock.now());
    const s1 = startSession({ userId: alice.id, amr: ['pwd'], now });
    const s2 = startSession({ userId: alice.id, amr: ['pwd'], now });
    const sBob = startSession({ userId: bob.id, amr: ['pwd'], now });
    for (const s of [s1, s2, sBob]) await storage.sessions.create(s.record);
    await storage.tokens.put(refreshToken(alice.id, s1.record.sid, now, 1));
    await storage.tokens.put(refreshToken(bob.id, sBob.record.sid, now, 2));

    clock.advance(10);
    const done = await users.disable(alice.id);
    expect(done?.user.status).toBe('disabled');
    expect([...done!.revoked.sids].sort()).toEqual([s1.record.sid, s2.record.sid].sort());
    expect(done?.revoked.tokens).toBe(1);
    expect((await storage.sessions.get(s1.record.idHash))?.revokedAt).toEqual(new Date(clock.now()));
    expect((await storage.tokens.get('hash-1'))?.revokedAt).toEqual(new Date(clock.now()));
    // Another user's session and token are untouched.
    expect((await storage.sessions.get(sBob.record.idHash))?.revokedAt).toBeNull();
    expect((await storage.tokens.get('hash-2'))?.revokedAt).toBeNull();
    expect(events).toEqual([{ name: 'user.disabled', event: { userId: alice.id, sids: done!.revoked.sids, at: new Date(clock.now()) } }]);
  });

  it('a disabled user cannot sign in until enabled again', async () => {
    const { users, storage, admin } = await fixture();
    const alice = await users.create({ username: 'alice', password: 'correct horse' });
    await admin.users.disable(alice.id);
    const { createAccountService } = await import('../src/accounts/index.js');
    const accounts = createAccountService({ users: storage.users, passwords: createPasswordHasher(FAST_ARGON), masterKey: MASTER, now: () => new Date() });
    expect(await accounts.authenticate('alice', 'correct horse')).toMatchObject({ ok: false, reason: 'account_disabled' });
    expect((await users.enable(alice.id))?.status).toBe('active');
    expect(await accounts.authenticate('alice', 'correct horse')).toMatchObject({ ok: true });
  });

  it('disable and enable of an unknown user answer undefined and emit nothing', async () => {
    const { users, events } = await fixture();
    expect(await users.disable('no-such-id')).toBeUndefined();
    expect(await users.enable('no-such-id')).toBeUndefined();
    expect(events).toEqual([]);
  });
});

describe.each(STORES)('admin.users: password and groups (%s)', (store) => {
  beforeAll(() => {
    kind = store;
  });
  it('RFC 9700 §4.14.2: a password set by an administrator revokes sessions and refresh tokens (session.revoked per sid)', async () => {
    const { users, storage, clock, events } = await fixture();
    const alice = await users.create({ username: 'alice', password: 'old password' });
    const now = new Date(clock.now());
    const s = startSession({ userId: alice.id, amr: ['pwd'], now });
    await storage.sessions.create(s.record);
    await storage.tokens.put(refreshToken(alice.id, s.record.sid, now, 1));
    const before = (await storage.users.get(alice.id))!.passwordHash;
    const done = await users.setPassword(alice.id, 'a brand new password');
    expect(done?.revoked).toEqual({ sids: [s.record.sid], tokens: 1 });
    expect((await storage.users.get(alice.id))!.passwordHash).not.toBe(before);
    expect(events).toMatchObject([{ name: 'session.revoked', event: { sid: s.record.sid, userId: alice.id } }]);
  });

  it('keepSessions leaves sessions alone; a password breaking the policy is refused and nothing changes', async () => {
    const { users, storage, clock } = await fixture();
    const alice = await users.create({ username: 'alice', password: 'old password' });
    const s = startSession({ userId: alice.id, amr: ['pwd'], now: new Date(clock.now()) });
    await storage.sessions.create(s.record);
    expect((await users.setPassword(alice.id, 'another new one', { keepSessions: true }))?.revoked).toEqual({ sids: [], tokens: 0 });
    expect((await storage.sessions.get(s.record.idHash))?.revokedAt).toBeNull();
    const hash = (await storage.users.get(alice.id))!.passwordHash;
    expect((await issues(users.setPassword(alice.id, 'short'))).map((i) => i.code)).toEqual(['password_too_short']);
    expect((await issues(users.setPassword(alice.id, 'x'.repeat(2000)))).map((i) => i.code)).toEqual(['password_too_long']);
    expect((await storage.users.get(alice.id))!.passwordHash).toBe(hash);
    expect(await users.setPassword('no-such-id', 'whatever password')).toBeUndefined();
  });

  it('sets groups (deduplicated) and refuses names that cannot appear in tokens', async () => {
    const { users } = await fixture();
    const alice = await users.create({ username: 'alice', password: 'old password' });
    expect((await users.setGroups(alice.id, ['admins', 'ops', 'admins']))?.groups).toEqual(['admins', 'ops']);
    expect((await issues(users.setGroups(alice.id, ['bad group']))).map((i) => i.code)).toEqual(['invalid_groups']);
    expect((await users.get(alice.id))?.groups).toEqual(['admins', 'ops']);
  });
});

describe.each(STORES)('admin.users: TOTP enrolment (%s)', (store) => {
  beforeAll(() => {
    kind = store;
  });
  it('start returns the secret and otpauth URI once; a code from it confirms; the stored secret is sealed', async () => {
    const { users, storage, clock } = await fixture();
    const alice = await users.create({ username: 'alice', password: 'old password' });
    const { secret, otpauthUri } = await users.totp.start(alice.id);
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Tessera:alice\?/);
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect((await users.get(alice.id))?.totp).toBe('pending');
    expect(JSON.stringify(await storage.users.get(alice.id))).not.toContain(secret);
    const code = hotp(base32Decode(secret)!, totpStep(new Date(clock.now())));
    expect((await users.totp.confirm(alice.id, code)).totp).toBe('enrolled');
    // A confirmed factor is never silently replaced: the operator resets it first.
    expect(await rejection(users.totp.start(alice.id))).toMatch(/reset it first/);
    expect((await issues(users.totp.confirm(alice.id, code))).map((i) => i.code)).toEqual(['already_enrolled']);
    expect(await users.totp.reset(alice.id)).toBe(true);
    expect((await users.get(alice.id))?.totp).toBe('none');
  });

  it('refuses a wrong code (the factor stays pending) and an unknown user', async () => {
    const { users, clock } = await fixture();
    const alice = await users.create({ username: 'alice', password: 'old password' });
    const { secret } = await users.totp.start(alice.id);
    const code = hotp(base32Decode(secret)!, totpStep(new Date(clock.now())));
    const wrong = code === '000000' ? '000001' : '000000';
    expect((await issues(users.totp.confirm(alice.id, wrong))).map((i) => i.code)).toEqual(['totp_invalid']);
    expect((await users.get(alice.id))?.totp).toBe('pending');
    expect((await issues(users.totp.confirm('no-such-id', code))).map((i) => i.code)).toEqual(['unknown_user']);
  });

  it('without a master key, users can be created but TOTP operations are refused', async () => {
    const { users } = await fixture({ masterKey: null });
    const alice = await users.create({ username: 'alice', password: 'old password' });
    expect(await rejection(users.totp.start(alice.id))).toMatch(/master key/);
  });
});

describe('admin.users on a running server', () => {
  it('follows config.accounts: password policy and argon2 parameters are those of sign-in', async () => {
    const { createTessera } = await import('../src/index.js');
    const storage = createMemoryStorage();
    const tessera = await createTessera({
      config: {
        issuer: 'http://localhost:3000',
        dev: true,
        store: { kind: 'memory' },
        keys: { masterKey: Buffer.alloc(32, 5) },
        server: { logLevel: 'silent' },
        accounts: { passwordMinLength: 12, argon2: FAST_ARGON },
      },
      storage,
    });
    try {
      expect((await issues(tessera.admin.users.create({ username: 'yan', password: 'ten chars!' }))).map((i) => i.code)).toEqual(['password_too_short']);
      const user = await tessera.admin.users.create({ username: 'yan', password: 'twelve chars' });
      expect((await storage.users.get(user.id))?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=7168,t=1,p=1\$/);
    } finally {
      await tessera.close();
      await storage.close();
    }
  });

  it('tessera.admin.users emits on tessera.events', async () => {
    const { createTessera } = await import('../src/index.js');
    const storage = createMemoryStorage();
    const tessera = await createTessera({
      config: { issuer: 'http://localhost:3000', dev: true, store: { kind: 'memory' }, keys: { masterKey: Buffer.alloc(32, 5) }, server: { logLevel: 'silent' } },
      storage,
    });
    try {
      const seen: ServerEvents['user.disabled'][] = [];
      tessera.events.on('user.disabled', (e) => void seen.push(e));
      const user = await tessera.admin.users.create({ username: 'zed', password: 'zed password 1' });
      await tessera.admin.users.disable(user.id);
      expect(seen.map((e) => e.userId)).toEqual([user.id]);
    } finally {
      await tessera.close();
      await storage.close();
    }
  });
});
