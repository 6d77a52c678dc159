import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDpopProof, dpopKeyThumbprint, hashSecret } from '@tessera/token';
import { FORM, form, ISSUER, JWT_API, OPAQUE_API, T0 } from '../helpers.js';
import { claimsOf, STORES, userSetup, type UserFixture } from './fixture.js';

const error = (res: { statusCode: number; json(): { error: string } }) => ({ status: res.statusCode, error: res.json().error });

/** Lifetimes short enough to cross in a test: idle 1 h, absolute 2 h, grace 10 s. */
const TOKENS = { refreshIdle: '1h', refreshAbsolute: '2h', refreshGrace: 10 };

describe.each(STORES)('refresh_token grant on %s (RFC 6749 §6, RFC 9700 §4.14.2)', (kind) => {
  let f: UserFixture;
  beforeAll(async () => {
    f = await userSetup(kind, { tokens: TOKENS });
  });
  afterAll(() => f.close());

  /** A fresh family: the code exchange's response. */
  async function family(scope = ['openid', 'profile', 'read']) {
    const { code, verifier, record } = await f.code({ scope });
    const res = await f.exchange(code, verifier);
    expect(res.statusCode, res.body).toBe(200);
    return { ...(res.json() as { access_token: string; refresh_token: string; id_token?: string }), grantId: record.grantId };
  }

  it('rotates: a new refresh token and a new access token; the old one is spent', async () => {
    const first = await family();
    const res = await f.refresh(first.refresh_token);
    expect(res.statusCode, res.body).toBe(200);
    const next = res.json();
    expect(next).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'openid profile read', refresh_token: expect.stringMatching(/^trt_/) });
    expect(next.refresh_token).not.toBe(first.refresh_token);
    expect(next.access_token).not.toBe(first.access_token);
    expect(await f.introspect(first.refresh_token)).toEqual({ active: false });
    expect(await f.introspect(next.refresh_token)).toMatchObject({ active: true, token_type: 'refresh_token' });
  });

  it('OpenID Connect Core §12.2: a refresh with openid brings an ID token with the original auth_time and no nonce', async () => {
    const first = await family();
    const next = (await f.refresh(first.refresh_token)).json();
    const claims = claimsOf(next.id_token);
    expect(claims).toMatchObject({ iss: ISSUER, sub: f.userId, aud: f.web.id, auth_time: T0 / 1000 - 30, acr: 'urn:tessera:acr:mfa', sid: 'sid-1' });
    expect(claims).not.toHaveProperty('nonce');
  });

  it('grace window: two concurrent requests with the same refresh token both succeed with the same successor', async () => {
    const first = await family();
    const [a, b] = await Promise.all([f.refresh(first.refresh_token), f.refresh(first.refresh_token)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(a.json().refresh_token).toBe(b.json().refresh_token);
    // Each got a usable access token, and the one successor carries the family on.
    expect(await f.introspect(a.json().access_token)).toMatchObject({ active: true });
    expect(await f.introspect(b.json().access_token)).toMatchObject({ active: true });
    expect((await f.refresh(a.json().refresh_token)).statusCode).toBe(200);
  });

  it('grace window: a retry within refreshGrace re-derives the same successor (nothing is stored to do it)', async () => {
    const first = await family();
    const a = (await f.refresh(first.refresh_token)).json();
    f.clock.advance(10);
    const b = await f.refresh(first.refresh_token);
    expect(b.statusCode).toBe(200);
    expect(b.json().refresh_token).toBe(a.refresh_token);
  });

  it('RFC 9700 §4.14.2: reuse of a rotated refresh token after the grace window revokes the whole family', async () => {
    const first = await family();
    const second = (await f.refresh(first.refresh_token)).json();
    f.clock.advance(11);
    expect(error(await f.refresh(first.refresh_token))).toEqual({ status: 400, error: 'invalid_grant' });
    // Everything of the family is dead: both refresh tokens, and both JWT access tokens (revocation list).
    for (const token of [first.refresh_token, second.refresh_token, first.access_token, second.access_token]) {
      expect(await f.introspect(token)).toEqual({ active: false });
    }
    expect(await f.storage.revocations.get(claimsOf(second.access_token).jti as string)).toMatchObject({ reason: 'refresh_token_reuse' });
    expect(error(await f.refresh(second.refresh_token))).toEqual({ status: 400, error: 'invalid_grant' });
    expect((await f.storage.grants.get(first.grantId))?.revokedAt).not.toBeNull();
  });

  it('RFC 9700 §4.14.2: a reuse racing a legitimate rotation leaves nothing of the family active', async () => {
    for (const resource of [JWT_API, OPAQUE_API]) {
      const { code, verifier } = await f.code({ resource: [resource] });
      const first = (await f.exchange(code, verifier)).json();
      const second = (await f.refresh(first.refresh_token)).json();
      f.clock.advance(11);
      const [legit, reuse] = await Promise.all([f.refresh(second.refresh_token), f.refresh(first.refresh_token)]);
      expect(error(reuse)).toEqual({ status: 400, error: 'invalid_grant' });
      if (legit.statusCode === 200) {
        expect(await f.introspect(legit.json().access_token)).toEqual({ active: false });
        expect(await f.introspect(legit.json().refresh_token)).toEqual({ active: false });
      } else {
        expect(error(legit)).toEqual({ status: 400, error: 'invalid_grant' });
      }
    }
  });

  it('RFC 9700 §4.14.2: reuse is detected before any other check — a replayed token with a widened scope still revokes the family', async () => {
    const first = await family();
    const second = (await f.refresh(first.refresh_token)).json();
    f.clock.advance(11);
    expect(error(await f.refresh(first.refresh_token, { scope: 'openid read write admin' }))).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await f.introspect(second.refresh_token)).toEqual({ active: false });
    expect(await f.introspect(second.access_token)).toEqual({ active: false });
  });

  it('RFC 9700 §4.14.2: presenting an older ancestor (its successor already rotated) is reuse, even inside the grace window', async () => {
    const first = await family();
    const second = (await f.refresh(first.refresh_token)).json();
    const third = (await f.refresh(second.refresh_token)).json();
    expect(error(await f.refresh(first.refresh_token))).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await f.introspect(third.refresh_token)).toEqual({ active: false });
    expect(await f.introspect(third.access_token)).toEqual({ active: false });
  });

  it('RFC 9700 §4.14.2: reuse revokes the newest JWT access token even after the family’s oldest refresh token was pruned', async () => {
    const first = await family();
    f.clock.advance(3000);
    const second = (await f.refresh(first.refresh_token)).json();
    f.clock.advance(3000);
    const third = (await f.refresh(second.refresh_token)).json();
    // The first refresh token expired (idle 1 h) and is pruned; the chain from the ledger starts with a gap.
    expect(await f.storage.tokens.pruneExpired(new Date(f.clock.now()))).toBeGreaterThan(0);
    expect(await f.storage.tokens.get(hashSecret(first.refresh_token))).toBeUndefined();
    f.clock.advance(11);
    expect(error(await f.refresh(second.refresh_token))).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await f.introspect(third.access_token)).toEqual({ active: false });
    expect(await f.storage.revocations.get(claimsOf(third.access_token).jti as string)).toMatchObject({ reason: 'refresh_token_reuse' });
  });

  it('RFC 6749 §6: a scope not originally granted is invalid_scope (no widening), and nothing rotates', async () => {
    const first = await family();
    expect(error(await f.refresh(first.refresh_token, { scope: 'openid read write' }))).toEqual({ status: 400, error: 'invalid_scope' });
    expect(await f.introspect(first.refresh_token)).toMatchObject({ active: true });
  });

  it('RFC 6749 §6: a narrower scope applies to the access token; the new refresh token keeps the original scope', async () => {
    const first = await family();
    const narrowed = (await f.refresh(first.refresh_token, { scope: 'read' })).json();
    expect(narrowed.scope).toBe('read');
    expect(claimsOf(narrowed.access_token).scope).toBe('read');
    expect(narrowed).not.toHaveProperty('id_token');
    const full = (await f.refresh(narrowed.refresh_token, { scope: 'openid profile read' })).json();
    expect(full.scope).toBe('openid profile read');
  });

  it('RFC 8707 §2: a refresh may pick one of the granted resources; another one is invalid_target', async () => {
    const { code, verifier } = await f.code({ resource: [JWT_API, OPAQUE_API] });
    const first = (await f.exchange(code, verifier)).json();
    expect(claimsOf(first.access_token).aud).toBe(JWT_API);
    const opaque = await f.refresh(first.refresh_token, { resource: OPAQUE_API });
    expect(opaque.statusCode, opaque.body).toBe(200);
    expect(opaque.json().access_token).toMatch(/^tat_/);
    expect(await f.introspect(opaque.json().access_token)).toMatchObject({ active: true, aud: OPAQUE_API });
    const onlyJwt = await family();
    expect(error(await f.refresh(onlyJwt.refresh_token, { resource: OPAQUE_API }))).toEqual({ status: 400, error: 'invalid_target' });
  });

  it('RFC 6749 §6: a refresh token issued to another client is invalid_grant and stays usable by its client', async () => {
    const first = await family();
    expect(error(await f.refresh(first.refresh_token, {}, f.other.auth))).toEqual({ status: 400, error: 'invalid_grant' });
    expect((await f.refresh(first.refresh_token)).statusCode).toBe(200);
  });

  it('idle lifetime: a refresh token unused for refreshIdle expires; each rotation extends it', async () => {
    const first = await family();
    f.clock.advance(3000);
    const second = (await f.refresh(first.refresh_token)).json();
    f.clock.advance(3000);
    const third = await f.refresh(second.refresh_token);
    expect(third.statusCode).toBe(200);
    f.clock.advance(3601);
    expect(error(await f.refresh(third.json().refresh_token))).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('absolute lifetime: no rotation carries a family past refreshAbsolute', async () => {
    const first = await family();
    let token = first.refresh_token;
    for (let i = 0; i < 2; i++) {
      f.clock.advance(3000);
      token = (await f.refresh(token)).json().refresh_token;
    }
    const stored = await f.storage.tokens.get(hashSecret(token));
    expect(stored!.expiresAt.getTime()).toBe(f.clock.now() - 6000_000 + 7200_000);
    f.clock.advance(1201);
    expect(error(await f.refresh(token))).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('a disabled user gets invalid_grant', async () => {
    const first = await family();
    await f.storage.users.update(f.userId, { status: 'disabled' }, new Date(f.clock.now()));
    try {
      expect(error(await f.refresh(first.refresh_token))).toEqual({ status: 400, error: 'invalid_grant' });
    } finally {
      await f.storage.users.update(f.userId, { status: 'active' }, new Date(f.clock.now()));
    }
  });

  it('a revoked session (tokens.revokeBySession) ends its refresh tokens: invalid_grant', async () => {
    const first = await family();
    await f.storage.tokens.revokeBySession('sid-1', new Date(f.clock.now()));
    expect(error(await f.refresh(first.refresh_token))).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('RFC 7009 §2.1: revoking a refresh token ends its family, JWT access tokens included', async () => {
    const first = await family();
    const second = (await f.refresh(first.refresh_token)).json();
    const res = await f.post('/revoke', { token: second.refresh_token, token_type_hint: 'refresh_token' });
    expect(res.statusCode).toBe(200);
    expect(await f.introspect(second.access_token)).toEqual({ active: false });
    expect(await f.introspect(first.access_token)).toEqual({ active: false });
    expect(error(await f.refresh(second.refresh_token))).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('a missing refresh_token is invalid_request; a foreign value is invalid_grant', async () => {
    expect(error(await f.post('/token', { grant_type: 'refresh_token' }))).toEqual({ status: 400, error: 'invalid_request' });
    expect(error(await f.refresh('trt_' + 'A'.repeat(43)))).toEqual({ status: 400, error: 'invalid_grant' });
    expect(error(await f.refresh('tat_' + 'A'.repeat(43)))).toEqual({ status: 400, error: 'invalid_grant' });
    expect(error(await f.refresh('garbage'))).toEqual({ status: 400, error: 'invalid_grant' });
  });

  describe('DPoP (RFC 9449 §5)', () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jkt = dpopKeyThumbprint(key.publicKey);
    const proof = (k = key) => createDpopProof(k.privateKey, { htm: 'POST', htu: `${ISSUER}/token`, iat: Math.floor(f.clock.now() / 1000) });
    /** A token request with optional client authentication and DPoP proof. */
    const request = (params: Record<string, string>, options: { auth?: string; dpop?: string } = {}) =>
      f.tessera.app.inject({
        method: 'POST',
        url: '/token',
        headers: { 'content-type': FORM, ...(options.auth ? { authorization: options.auth } : {}), ...(options.dpop ? { dpop: options.dpop } : {}) },
        payload: form(params),
      });

    it('a public client’s refresh token is bound to the proof key and needs a proof of that key', async () => {
      const spa = await f.tessera.admin.createClientWithoutSecret({
        name: 'spa',
        authMethod: 'none',
        scopes: ['openid', 'read'],
        resources: [JWT_API],
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: ['https://app.example.com/cb'],
      });
      const { code, verifier } = await f.code({ client: { id: spa.clientId, secret: '', auth: '' }, scope: ['openid', 'read'], dpopJkt: jkt });
      const body = { client_id: spa.clientId };
      const issued = await request({ ...body, grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: 'https://app.example.com/cb' }, { dpop: proof() });
      expect(issued.statusCode, issued.body).toBe(200);
      expect(issued.json().token_type).toBe('DPoP');
      expect(claimsOf(issued.json().access_token).cnf).toEqual({ jkt });
      const rt = issued.json().refresh_token as string;
      expect((await f.storage.tokens.get(hashSecret(rt)))?.jkt).toBe(jkt);
      expect(error(await request({ ...body, grant_type: 'refresh_token', refresh_token: rt }))).toEqual({ status: 400, error: 'invalid_grant' });
      expect(error(await request({ ...body, grant_type: 'refresh_token', refresh_token: rt }, { dpop: proof(otherKey) }))).toEqual({ status: 400, error: 'invalid_grant' });
      const refreshed = await request({ ...body, grant_type: 'refresh_token', refresh_token: rt }, { dpop: proof() });
      expect(refreshed.statusCode, refreshed.body).toBe(200);
      expect(refreshed.json().token_type).toBe('DPoP');
      expect(claimsOf(refreshed.json().access_token).cnf).toEqual({ jkt });
    });

    it('a confidential client’s refresh token is not bound (its authentication constrains it); each access token binds to the request’s proof', async () => {
      const { code, verifier } = await f.code({ dpopJkt: jkt });
      const issued = await request({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: 'https://app.example.com/cb' }, { auth: f.web.auth, dpop: proof() });
      expect(issued.statusCode, issued.body).toBe(200);
      expect(claimsOf(issued.json().access_token).cnf).toEqual({ jkt });
      const rt = issued.json().refresh_token as string;
      expect((await f.storage.tokens.get(hashSecret(rt)))?.jkt).toBeNull();
      const bearer = await request({ grant_type: 'refresh_token', refresh_token: rt }, { auth: f.web.auth });
      expect(bearer.statusCode, bearer.body).toBe(200);
      expect(bearer.json().token_type).toBe('Bearer');
      const rebound = await request({ grant_type: 'refresh_token', refresh_token: bearer.json().refresh_token }, { auth: f.web.auth, dpop: proof(otherKey) });
      expect(rebound.json().token_type).toBe('DPoP');
      expect(claimsOf(rebound.json().access_token).cnf).toEqual({ jkt: dpopKeyThumbprint(otherKey.publicKey) });
    });
  });
});
