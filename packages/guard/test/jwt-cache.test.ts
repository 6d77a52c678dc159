import { describe, expect, it } from 'vitest';
import { createGuard } from '../src/index.js';
import { accessClaims, AUDIENCE, clock, FakeAs, ISSUER, makeKey, NOW_S, signToken } from './helpers.js';

describe('verified-JWT cache', () => {
  it('still refuses a cached token once it expires', async () => {
    const key = await makeKey('k1', 'ES256');
    const c = clock();
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: new FakeAs([key]).fetch, now: c.now, clockTolerance: 0 });
    const token = await signToken(key, accessClaims({ exp: NOW_S + 30 }));
    expect(await guard.verifyToken(token)).toMatchObject({ subject: 'user-1' });
    c.ms += 30_000;
    await expect(guard.verifyToken(token)).rejects.toMatchObject({ status: 401, code: 'invalid_token' });
  });

  it('forgets results verified with a key set that has since changed (a key removed from the JWKS is not trusted)', async () => {
    const key = await makeKey('k1', 'ES256');
    const as = new FakeAs([key]);
    as.jwksCacheControl = 'max-age=60';
    const c = clock();
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: c.now });
    const token = await signToken(key, accessClaims({ exp: NOW_S + 3600 }));
    expect(await guard.verifyToken(token)).toMatchObject({ subject: 'user-1' });
    as.jwks.keys = [];
    c.ms += 61_000;
    guard.checkToken(token); // stale: triggers the background refresh (this call still uses the old set)
    await new Promise((r) => setTimeout(r, 10));
    await expect(guard.verifyToken(token)).rejects.toMatchObject({ status: 401, code: 'invalid_token' });
  });

  it('can be disabled (jwtCache: false): every call verifies the signature', async () => {
    const key = await makeKey('k1', 'ES256');
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: new FakeAs([key]).fetch, now: clock().now, jwtCache: false });
    const token = await signToken(key);
    const a = await guard.verifyToken(token);
    const b = await guard.verifyToken(token);
    expect(a).not.toBe(b);
    expect(a).toEqual(b);
  });
});
