import { describe, expect, it } from 'vitest';
import { createGuard, type GuardOptions } from '../src/index.js';
import { AUDIENCE, clock, FakeAs, ISSUER, makeKey, NOW_S, signToken } from './helpers.js';

const TOKEN = 'tat_Q2hlY2tNZUlmWW91Q2FuMTIzNDU2Nzg5MDEyMzQ1Njc4OTA';
const active = (extra: Record<string, unknown> = {}) => ({
  body: { active: true, iss: ISSUER, aud: AUDIENCE, sub: 'user-1', client_id: 'client-1', scope: 'reports:read', exp: NOW_S + 300, token_type: 'Bearer', ...extra },
});

function setup(introspection: Partial<NonNullable<GuardOptions['introspection']>> = {}) {
  const as = new FakeAs();
  const c = clock();
  const guard = createGuard({
    issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: c.now,
    introspection: { clientId: 'api client', clientSecret: 's3cr:et/+', ...introspection },
  });
  return { as, c, guard };
}

describe('opaque tokens by introspection (RFC 7662)', () => {
  it('accepts an active token and returns its claims', async () => {
    const { as, guard } = setup();
    as.introspect = () => active();
    const result = await guard.verifyToken(TOKEN);
    expect(result).toMatchObject({ source: 'introspection', subject: 'user-1', clientId: 'client-1' });
    expect([...result.scopes]).toEqual(['reports:read']);
  });

  it('authenticates with client_secret_basic, id and secret form-urlencoded first (RFC 6749 §2.3.1)', async () => {
    const { as, guard } = setup();
    as.introspect = () => active();
    await guard.verifyToken(TOKEN);
    const [request] = as.introspectionRequests;
    expect(request!.authorization).toBe(`Basic ${Buffer.from('api+client:s3cr%3Aet%2F%2B').toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(request!.body))).toEqual({ token: TOKEN, token_type_hint: 'access_token' });
  });

  it('refuses an inactive token with 401 invalid_token', async () => {
    const { as, guard } = setup();
    as.introspect = () => ({ body: { active: false } });
    await expect(guard.verifyToken(TOKEN)).rejects.toMatchObject({ status: 401, code: 'invalid_token', reason: 'introspection: inactive' });
  });

  it.each([
    ['a token for another audience (C-16)', { aud: 'https://other.example' }, 'introspection: wrong_audience'],
    ['a token without aud', { aud: undefined }, 'introspection: wrong_audience'],
    ['a token from another issuer', { iss: 'https://evil.example' }, 'introspection: wrong_issuer'],
    ['an expired token reported active', { exp: NOW_S - 60 }, 'introspection: expired'],
    ['a refresh token', { token_type: 'refresh_token' }, 'introspection: token_type refresh_token'],
    ['a DPoP-bound token sent as Bearer (RFC 9449 §7.1)', { cnf: { jkt: 'x' } }, 'DPoP-bound token sent as Bearer'],
  ])('refuses %s even when active', async (_name, extra, reason) => {
    const { as, guard } = setup();
    as.introspect = () => active(extra);
    await expect(guard.verifyToken(TOKEN)).rejects.toMatchObject({ status: 401, code: 'invalid_token', reason });
  });

  it('does not cache active results by default: a revoked token is refused at once', async () => {
    const { as, guard } = setup();
    as.introspect = () => active();
    await guard.verifyToken(TOKEN);
    as.introspect = () => ({ body: { active: false } });
    await expect(guard.verifyToken(TOKEN)).rejects.toMatchObject({ code: 'invalid_token' });
    expect(as.calls.introspection).toBe(2);
  });

  it('caches an active result no longer than cacheMaxAge', async () => {
    const { as, c, guard } = setup({ cacheMaxAge: 30 });
    as.introspect = () => active();
    await guard.verifyToken(TOKEN);
    c.ms += 29_000;
    await guard.verifyToken(TOKEN);
    expect(as.calls.introspection).toBe(1);
    c.ms += 2_000;
    await guard.verifyToken(TOKEN);
    expect(as.calls.introspection).toBe(2);
  });

  it('caches an active result no longer than the token\'s exp', async () => {
    const { as, c, guard } = setup({ cacheMaxAge: 600 });
    as.introspect = () => active({ exp: NOW_S + 20 });
    await guard.verifyToken(TOKEN);
    c.ms += 21_000;
    as.introspect = () => ({ body: { active: false } });
    await expect(guard.verifyToken(TOKEN)).rejects.toMatchObject({ code: 'invalid_token' });
    expect(as.calls.introspection).toBe(2);
  });

  it('caches inactive results briefly (inactiveCacheMaxAge, default 5 s)', async () => {
    const { as, c, guard } = setup();
    as.introspect = () => ({ body: { active: false } });
    await expect(guard.verifyToken(TOKEN)).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(guard.verifyToken(TOKEN)).rejects.toMatchObject({ code: 'invalid_token' });
    expect(as.calls.introspection).toBe(1);
    c.ms += 5_000;
    await expect(guard.verifyToken(TOKEN)).rejects.toMatchObject({ code: 'invalid_token' });
    expect(as.calls.introspection).toBe(2);
  });

  it('coalesces concurrent lookups of one token into one request (single-flight)', async () => {
    const { as, guard } = setup();
    as.delayMs = 20;
    as.introspect = () => active();
    const results = await Promise.all(Array.from({ length: 20 }, () => guard.verifyToken(TOKEN)));
    expect(results.every((r) => r.subject === 'user-1')).toBe(true);
    expect(as.calls.introspection).toBe(1);
    await guard.verifyToken(`${TOKEN}x`);
    expect(as.calls.introspection).toBe(2);
  });

  it('bounds the result cache (LRU): the least recently used token is evicted', async () => {
    const { as, guard } = setup({ cacheMaxAge: 60, maxEntries: 2 });
    as.introspect = () => active();
    for (const t of ['tat_a', 'tat_b', 'tat_a', 'tat_c', 'tat_a']) await guard.verifyToken(t);
    expect(as.calls.introspection).toBe(3);
    await guard.verifyToken('tat_b');
    expect(as.calls.introspection).toBe(4);
  });

  it.each([
    ['the server answers 500', () => ({ status: 500, body: { error: 'server_error' } })],
    ['the server refuses the guard\'s credentials (401)', () => ({ status: 401, body: { error: 'invalid_client' } })],
    ['the answer lacks a boolean active', () => ({ body: { active: 'true' } })],
  ])('answers 503 temporarily_unavailable when %s (not the caller\'s fault)', async (_name, answer) => {
    const { as, guard } = setup();
    as.introspect = answer;
    await expect(guard.verifyToken(TOKEN)).rejects.toMatchObject({ status: 503, code: 'temporarily_unavailable' });
  });

  it('refuses opaque tokens without a known prefix locally, without asking the server', async () => {
    const { as, guard } = setup();
    as.introspect = () => active();
    await expect(guard.verifyToken('randomgarbage1234567890')).rejects.toMatchObject({ status: 401, code: 'invalid_token', reason: 'opaque token without a known prefix' });
    expect(as.calls.introspection).toBe(0);
    const open = setup({ prefixes: [''] });
    open.as.introspect = () => active();
    expect(await open.guard.verifyToken('randomgarbage1234567890')).toMatchObject({ subject: 'user-1' });
  });

  it('answers 503 when the server is unreachable', async () => {
    const { as, guard } = setup();
    as.down = true;
    await expect(guard.verifyToken(TOKEN)).rejects.toMatchObject({ status: 503, code: 'temporarily_unavailable' });
  });
});

describe('revocation of JWT access tokens (introspection.checkJwts)', () => {
  it('refuses a locally valid JWT once the server reports it inactive, within cacheMaxAge', async () => {
    const key = await makeKey('k1', 'ES256');
    const as = new FakeAs([key]);
    const c = clock();
    const guard = createGuard({
      issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: c.now,
      introspection: { clientId: 'api', clientSecret: 'secret', cacheMaxAge: 10, checkJwts: true },
    });
    const token = await signToken(key);
    as.introspect = () => active();
    expect(await guard.verifyToken(token)).toMatchObject({ source: 'jwt', subject: 'user-1' });
    expect(guard.checkToken(token)).not.toBeInstanceOf(Promise); // fresh cached answer: still synchronous
    as.introspect = () => ({ body: { active: false } });
    c.ms += 9_000;
    expect(await guard.verifyToken(token)).toMatchObject({ subject: 'user-1' }); // within the documented bound
    c.ms += 2_000;
    await expect(guard.verifyToken(token)).rejects.toMatchObject({ status: 401, code: 'invalid_token', reason: 'introspection: inactive' });
    expect(as.calls.introspection).toBe(2);
  });

  it('does not introspect JWTs unless asked to', async () => {
    const key = await makeKey('k1', 'ES256');
    const as = new FakeAs([key]);
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: clock().now, introspection: { clientId: 'api', clientSecret: 'secret' } });
    await guard.verifyToken(await signToken(key));
    expect(as.calls.introspection).toBe(0);
  });
});
