import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createGuard } from '../src/index.js';
import { AUDIENCE, clock, FakeAs, ISSUER, makeKey, signToken } from './helpers.js';

describe('JWKS cache and key rotation (OIDC Core §10.1.1, C-69)', () => {
  it('loads the keys lazily, once, and then verifies synchronously (no promise on the hot path)', async () => {
    const key = await makeKey('k1', 'ES256');
    const as = new FakeAs([key]);
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: clock().now });
    const token = await signToken(key);
    const first = guard.checkToken(token);
    expect(first).toBeInstanceOf(Promise);
    await first;
    const second = guard.checkToken(token);
    expect(second).not.toBeInstanceOf(Promise);
    expect(as.calls).toMatchObject({ metadata: 1, jwks: 1 });
  });

  it('accepts a token signed with a key published after the first fetch: unknown kid → one refetch', async () => {
    const [k1, k2] = [await makeKey('k1', 'ES256'), await makeKey('k2', 'ES256')];
    const as = new FakeAs([k1]);
    const c = clock();
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: c.now });
    await guard.verifyToken(await signToken(k1));
    as.jwks.keys.push(k2.jwk);
    c.ms += 1_000; // an emergency rotation right after the first fetch: the routine fetch does not count against the cooldown
    expect(await guard.verifyToken(await signToken(k2))).toMatchObject({ subject: 'user-1' });
    expect(as.calls.jwks).toBe(2);
  });

  it('refetches at most once per cooldown for a flood of forged kids, shared by concurrent callers', async () => {
    const key = await makeKey('k1', 'ES256');
    const as = new FakeAs([key]);
    const c = clock();
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: c.now, jwks: { cooldown: 30 } });
    await guard.ready();
    as.delayMs = 20;
    const forged = await Promise.all(Array.from({ length: 50 }, (_, i) => signToken({ ...key, kid: `forged-${i}` })));
    const results = await Promise.allSettled(forged.map((t) => guard.verifyToken(t)));
    expect(results.every((r) => r.status === 'rejected' && r.reason.code === 'invalid_token')).toBe(true);
    expect(as.calls.jwks).toBe(2); // the initial load + one refetch for 50 forged kids
    await expect(guard.verifyToken(forged[0]!)).rejects.toMatchObject({ reason: 'unknown_kid (refetch rate-limited)' });
    expect(as.calls.jwks).toBe(2);
    c.ms += 31_000;
    await expect(guard.verifyToken(forged[1]!)).rejects.toMatchObject({ code: 'invalid_token' });
    expect(as.calls.jwks).toBe(3);
  });

  it('honours Cache-Control max-age within bounds: stale keys keep serving while one background refresh runs', async () => {
    const [k1, k2] = [await makeKey('k1', 'ES256'), await makeKey('k2', 'ES256')];
    const as = new FakeAs([k1]);
    as.jwksCacheControl = 'public, max-age=120';
    const c = clock();
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: c.now, jwks: { minAge: 60, maxAge: 600 } });
    const t1 = await signToken(k1);
    await guard.verifyToken(t1);
    c.ms += 119_000;
    guard.checkToken(t1);
    expect(as.calls.jwks).toBe(1);
    as.jwks.keys.push(k2.jwk);
    c.ms += 2_000;
    expect(guard.checkToken(t1)).not.toBeInstanceOf(Promise); // stale keys still answer synchronously
    await new Promise((r) => setTimeout(r, 10));
    expect(as.calls.jwks).toBe(2);
    expect(guard.checkToken(await signToken(k2))).not.toBeInstanceOf(Promise); // the refresh brought k2
  });

  it('keeps using the cached keys when a background refresh fails, and retries 5 s later', async () => {
    const key = await makeKey('k1', 'ES256');
    const as = new FakeAs([key]);
    as.jwksCacheControl = 'max-age=60';
    const c = clock();
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: c.now, jwtCache: false });
    const { accessClaims, NOW_S } = await import('./helpers.js');
    const token = await signToken(key, accessClaims({ exp: NOW_S + 3600 }));
    await guard.verifyToken(token);
    as.jwksStatus = 503;
    c.ms += 61_000;
    expect(guard.checkToken(token)).toMatchObject({ subject: 'user-1' });
    await new Promise((r) => setTimeout(r, 10));
    expect(as.calls.jwks).toBe(2);
    c.ms += 4_000;
    expect(guard.checkToken(token)).toMatchObject({ subject: 'user-1' });
    await new Promise((r) => setTimeout(r, 10));
    expect(as.calls.jwks).toBe(2);
    c.ms += 1_000;
    guard.checkToken(token);
    await new Promise((r) => setTimeout(r, 10));
    expect(as.calls.jwks).toBe(3);
  });

  it('clamps an excessive max-age to jwks.maxAge', async () => {
    const key = await makeKey('k1', 'ES256');
    const as = new FakeAs([key]);
    as.jwksCacheControl = 'max-age=999999';
    const c = clock();
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: c.now, jwks: { maxAge: 600 } });
    const { accessClaims, NOW_S } = await import('./helpers.js');
    const token = await signToken(key, accessClaims({ exp: NOW_S + 3600 }));
    await guard.verifyToken(token);
    c.ms += 601_000;
    guard.checkToken(token);
    await new Promise((r) => setTimeout(r, 10));
    expect(as.calls.jwks).toBe(2);
  });

  it('infers the algorithm of a JWK without alg from kty/crv, and matches a token without kid to the single key of its alg', async () => {
    const key = await makeKey('k1', 'EdDSA', false);
    const as = new FakeAs([key]);
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: clock().now });
    expect(await guard.verifyToken(await signToken(key))).toMatchObject({ subject: 'user-1' });
    const { SignJWT } = await import('jose');
    const noKid = await new SignJWT((await import('./helpers.js')).accessClaims()).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' }).sign(key.privateKey);
    expect(await guard.verifyToken(noKid)).toMatchObject({ subject: 'user-1' });
  });

  it('skips private, symmetric, encryption and disallowed-alg keys in the JWKS', async () => {
    const good = await makeKey('good', 'ES256');
    const priv = await makeKey('priv', 'ES256');
    const enc = await makeKey('enc', 'ES256');
    const rs = await makeKey('rs', 'RS256');
    const { exportJWK } = await import('jose');
    const as = new FakeAs([good]);
    as.jwks.keys.push(
      { ...(await exportJWK(priv.privateKey)), kid: 'priv', alg: 'ES256' },
      { kty: 'oct', k: 'c2VjcmV0', kid: 'oct', alg: 'HS256' },
      { ...enc.jwk, use: 'enc' },
      rs.jwk,
    );
    const events: unknown[] = [];
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: clock().now, onEvent: (e, d) => events.push([e, d]) });
    await guard.ready();
    expect(events).toContainEqual(['jwks_refreshed', expect.objectContaining({ keys: 1 })]);
    for (const key of [priv, enc, rs]) {
      await expect(guard.verifyToken(await signToken(key))).rejects.toMatchObject({ status: 401, code: 'invalid_token' });
    }
  });

  it('refuses metadata whose issuer differs from the configured one (RFC 8414 §3.3) with 503, not a verified token', async () => {
    const key = await makeKey('k1', 'ES256');
    const as = new FakeAs([key]);
    as.metadataIssuer = 'https://evil.example.com';
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: clock().now });
    await expect(guard.verifyToken(await signToken(key))).rejects.toMatchObject({ status: 503, code: 'temporarily_unavailable' });
    expect(as.calls.jwks).toBe(0);
  });

  it('names both issuers when they differ, also in the refusals of the next second, so the misspelling shows', async () => {
    const key = await makeKey('k1', 'ES256');
    const as = new FakeAs([key]);
    as.metadataIssuer = 'http://127.0.0.1:3000';
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: clock().now });
    const both = `metadata issuer "http://127.0.0.1:3000" differs from the configured issuer "${ISSUER}"`;
    await expect(guard.ready()).rejects.toThrow(both);
    await expect(guard.verifyToken(await signToken(key))).rejects.toMatchObject({ status: 503, reason: expect.stringContaining(both) });
  });

  it('answers 503 temporarily_unavailable when the JWKS cannot be fetched, and does not retry within a second', async () => {
    const key = await makeKey('k1', 'ES256');
    const as = new FakeAs([key]);
    as.jwksStatus = 500;
    const c = clock();
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: c.now });
    const token = await signToken(key);
    await expect(guard.verifyToken(token)).rejects.toMatchObject({ status: 503, code: 'temporarily_unavailable' });
    await expect(guard.verifyToken(token)).rejects.toMatchObject({ status: 503 });
    expect(as.calls.jwks).toBe(1);
    as.jwksStatus = 200;
    c.ms += 1_000;
    expect(await guard.verifyToken(token)).toMatchObject({ subject: 'user-1' });
  });

  it('fetches keys from a real HTTP JWKS endpoint (node:http on 127.0.0.1) and refuses redirects', async () => {
    const key = await makeKey('k1', 'ES256');
    let hits = 0;
    const server = createServer((req, res) => {
      hits++;
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/jwks' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' }).end(JSON.stringify({ keys: [key.jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const guard = createGuard({ issuer: base, audience: AUDIENCE, metadata: { jwksUri: `${base}/jwks` } });
      const { accessClaims } = await import('./helpers.js');
      const nowS = Math.floor(Date.now() / 1000);
      const token = await signToken(key, accessClaims({ iss: base, iat: nowS, exp: nowS + 60 }));
      expect(await guard.verifyToken(token)).toMatchObject({ subject: 'user-1' });
      const redirected = createGuard({ issuer: base, audience: AUDIENCE, metadata: { jwksUri: `${base}/redirect` } });
      await expect(redirected.verifyToken(token)).rejects.toMatchObject({ status: 503 });
      expect(hits).toBe(2);
    } finally {
      server.close();
    }
  });
});
