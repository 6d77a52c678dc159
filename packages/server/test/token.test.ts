import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashSecret } from '@tessera/token';
import { FORM, form, ISSUER, JWT_API, OPAQUE_API, setup, T0, type Fixture } from './helpers.js';

let f: Fixture;
beforeAll(async () => {
  f = await setup();
});
afterAll(() => f.close());

async function token(params: Record<string, string> | [string, string][], auth = f.basic(f.client.id, f.client.secret)) {
  return f.tessera.app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': FORM, authorization: auth },
    payload: form(params),
  });
}

async function servedJwks() {
  const res = await f.tessera.app.inject({ method: 'GET', url: '/jwks.json' });
  return createLocalJWKSet(res.json());
}

describe('client_credentials issuance (RFC 6749 §4.4, RFC 9068)', () => {
  it('issues an at+jwt that jose verifies against the served JWKS with iss, aud, scope, exp (RFC 9068 §2)', async () => {
    const res = await token({ grant_type: 'client_credentials', resource: JWT_API, scope: 'read' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 600, scope: 'read' });
    const { payload, protectedHeader } = await jwtVerify(body.access_token, await servedJwks(), {
      issuer: ISSUER,
      audience: JWT_API,
      typ: 'at+jwt',
      currentDate: new Date(T0),
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(payload).toEqual({
      iss: ISSUER,
      sub: f.client.id,
      aud: JWT_API,
      client_id: f.client.id,
      scope: 'read',
      iat: T0 / 1000,
      exp: T0 / 1000 + 600,
      jti: expect.any(String),
    });
  });

  it('answers with Cache-Control: no-store and Pragma: no-cache (RFC 6749 §5.1)', async () => {
    const res = await token({ grant_type: 'client_credentials' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('grants every allowed scope when none is requested, and only scopes the resource knows', async () => {
    const res = await token({ grant_type: 'client_credentials', resource: JWT_API });
    expect(res.json().scope).toBe('read write');
  });

  it('uses the client’s first resource when no resource is requested (RFC 8707 §2 default)', async () => {
    const res = await token({ grant_type: 'client_credentials' });
    const { payload } = await jwtVerify(res.json().access_token, await servedJwks(), { currentDate: new Date(T0) });
    expect(payload.aud).toBe(JWT_API);
  });

  it('gives every JWT a distinct jti', async () => {
    const a = await token({ grant_type: 'client_credentials' });
    const b = await token({ grant_type: 'client_credentials' });
    const decode = (t: string) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()).jti;
    expect(decode(a.json().access_token)).not.toBe(decode(b.json().access_token));
  });

  it('writes nothing to storage for a JWT access token, and stores an opaque one', async () => {
    const put = vi.spyOn(f.storage.tokens, 'put');
    try {
      expect((await token({ grant_type: 'client_credentials', resource: JWT_API })).statusCode).toBe(200);
      expect(put).not.toHaveBeenCalled();
      expect((await token({ grant_type: 'client_credentials', resource: OPAQUE_API })).statusCode).toBe(200);
      expect(put).toHaveBeenCalledTimes(1);
    } finally {
      put.mockRestore();
    }
  });

  it('issues an opaque tat_ token for an opaque resource, stored only as its SHA-256', async () => {
    const res = await token({ grant_type: 'client_credentials', resource: OPAQUE_API, scope: 'write' });
    expect(res.statusCode).toBe(200);
    const value: string = res.json().access_token;
    expect(value).toMatch(/^tat_[A-Za-z0-9_-]{43}$/);
    expect(res.json()).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'write' });
    const record = await f.storage.tokens.get(hashSecret(value));
    expect(record).toMatchObject({ kind: 'access_token', clientId: f.client.id, subject: f.client.id, audience: [OPAQUE_API], scope: ['write'] });
    expect(record!.expiresAt.getTime()).toBe(T0 + 600_000);
    expect(JSON.stringify(record)).not.toContain(value);
  });

  it('accepts client_secret_post for a client registered with it (RFC 6749 §2.3.1)', async () => {
    const res = await f.tessera.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': FORM },
      payload: form({ grant_type: 'client_credentials', client_id: f.other.id, client_secret: f.other.secret }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().scope).toBe('read');
  });

  it('decodes form-urlencoded client credentials inside Basic (RFC 6749 §2.3.1)', async () => {
    // Our ids and secrets are base64url; encode every character anyway, as a strict client may.
    const encodeAll = (s: string) => [...s].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    const auth = `Basic ${Buffer.from(`${encodeAll(f.client.id)}:${encodeAll(f.client.secret)}`).toString('base64')}`;
    const res = await token({ grant_type: 'client_credentials' }, auth);
    expect(res.statusCode).toBe(200);
  });

  it('accepts the Basic scheme name in any case (RFC 9110 §11.1)', async () => {
    const auth = f.basic(f.client.id, f.client.secret).replace('Basic', 'bAsIc');
    expect((await token({ grant_type: 'client_credentials' }, auth)).statusCode).toBe(200);
  });

  it('accepts a charset parameter on the form content type', async () => {
    const res = await f.tessera.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': `${FORM}; charset=UTF-8`, authorization: f.basic(f.client.id, f.client.secret) },
      payload: 'grant_type=client_credentials',
    });
    expect(res.statusCode).toBe(200);
  });

  it('ignores unknown parameters (RFC 6749 §3.2: "MUST be ignored")', async () => {
    expect((await token({ grant_type: 'client_credentials', foo: 'bar' })).statusCode).toBe(200);
  });

  it('sees a client created by the admin API at once', async () => {
    const created = await f.tessera.admin.createClient({ name: 'late', scopes: ['read'], resources: [JWT_API] });
    const res = await token({ grant_type: 'client_credentials' }, f.basic(created.client.clientId, created.clientSecret));
    expect(res.statusCode).toBe(200);
  });

  it('refuses a client disabled after it was cached', async () => {
    const created = await f.tessera.admin.createClient({ name: 'soon-off', scopes: ['read'], resources: [JWT_API] });
    const auth = f.basic(created.client.clientId, created.clientSecret);
    expect((await token({ grant_type: 'client_credentials' }, auth)).statusCode).toBe(200);
    await f.tessera.admin.setClientDisabled(created.client.clientId, true);
    const res = await token({ grant_type: 'client_credentials' }, auth);
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('invalid_client');
  });

  it('answers a CORS preflight on /token (checklist C-22)', async () => {
    const res = await f.tessera.app.inject({ method: 'OPTIONS', url: '/token', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(String(res.headers['access-control-allow-headers'])).toContain('authorization');
  });

  it('signs with the kid published in the JWKS', async () => {
    const res = await token({ grant_type: 'client_credentials' });
    const jwks = (await f.tessera.app.inject({ method: 'GET', url: '/jwks.json' })).json() as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(decodeProtectedHeader(res.json().access_token).kid);
  });
});
