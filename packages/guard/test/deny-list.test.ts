import { beforeAll, describe, expect, it } from 'vitest';
import { createGuard } from '../src/index.js';
import { accessClaims, AUDIENCE, clock, FakeAs, ISSUER, makeKey, NOW_S, signToken, type TestKey } from './helpers.js';

let key: TestKey;
beforeAll(async () => {
  key = await makeKey('k1', 'ES256');
});

async function setup(options: { maxEntries?: number } = {}) {
  const c = clock();
  const events: [string, Record<string, unknown>][] = [];
  const guard = createGuard({
    issuer: ISSUER, audience: AUDIENCE, fetch: new FakeAs([key]).fetch, now: c.now,
    denyList: { ...options, deviceIdClaim: 'did' }, onEvent: (e, d) => events.push([e, d]),
  });
  await guard.ready();
  return { guard, c, events };
}

const token = (extra: Record<string, unknown> = {}) => signToken(key, accessClaims({ exp: NOW_S + 3600, ...extra }));

describe('local deny list (revocation awareness)', () => {
  it('refuses a token whose jti is denied, even when its verification was cached', async () => {
    const { guard } = await setup();
    const t = await token({ jti: 'j-1' });
    expect(await guard.verifyToken(t)).toMatchObject({ subject: 'user-1' });
    guard.deny({ jti: 'j-1', until: NOW_S + 3600 });
    await expect(guard.verifyToken(t)).rejects.toMatchObject({ status: 401, code: 'invalid_token', reason: 'jti denied' });
    expect(await guard.verifyToken(await token({ jti: 'j-2' }))).toMatchObject({ subject: 'user-1' });
  });

  it.each([
    ['sid', { sid: 's-1' }, { sid: 's-1' }, 'session denied'],
    ['sub', { sub: 'user-1' }, {}, 'subject denied'],
    ['device id', { deviceId: 'd-1' }, { did: 'd-1' }, 'device denied'],
  ])('refuses tokens of a denied %s issued before the event, not those issued after', async (_kind, entry, claims, reason) => {
    const { guard, c } = await setup();
    const before = await token({ ...claims, iat: NOW_S - 5 });
    guard.deny({ ...entry, until: NOW_S + 3600 });
    await expect(guard.verifyToken(before)).rejects.toMatchObject({ code: 'invalid_token', reason });
    c.ms += 10_000;
    const after = await token({ ...claims, iat: NOW_S + 5 });
    expect(await guard.verifyToken(after)).toMatchObject({ subject: 'user-1' });
  });

  it('forgets an entry after until (the tokens it covered have expired)', async () => {
    const { guard, c } = await setup();
    const t = await signToken(key, accessClaims({ jti: 'j-1', exp: NOW_S + 100000 }));
    guard.deny({ jti: 'j-1', until: NOW_S + 60 });
    await expect(guard.verifyToken(t)).rejects.toMatchObject({ reason: 'jti denied' });
    c.ms += 61_000;
    expect(await guard.verifyToken(t)).toMatchObject({ subject: 'user-1' });
  });

  it('stays within maxEntries, dropping the entry that expires soonest', async () => {
    const { guard, events } = await setup({ maxEntries: 2 });
    guard.deny({ jti: 'a', until: NOW_S + 100 });
    guard.deny({ jti: 'b', until: NOW_S + 10 });
    guard.deny({ jti: 'c', until: NOW_S + 200 });
    expect(events.filter(([e]) => e === 'deny_list_full')).toHaveLength(1);
    await expect(guard.verifyToken(await token({ jti: 'a' }))).rejects.toMatchObject({ reason: 'jti denied' });
    await expect(guard.verifyToken(await token({ jti: 'c' }))).rejects.toMatchObject({ reason: 'jti denied' });
    expect(await guard.verifyToken(await token({ jti: 'b' }))).toMatchObject({ subject: 'user-1' });
  });

  it('rejects a deny entry without any key or with a bad until', async () => {
    const { guard } = await setup();
    expect(() => guard.deny({ until: NOW_S + 10 })).toThrow(TypeError);
    expect(() => guard.deny({ jti: 'x', until: Number.NaN })).toThrow(TypeError);
    expect(() => guard.deny({ jti: '', until: NOW_S + 10 })).toThrow(TypeError);
    expect(() => guard.deny({ jti: 'x', until: NOW_S * 1000 })).toThrow(/seconds/); // milliseconds by mistake
  });
});
