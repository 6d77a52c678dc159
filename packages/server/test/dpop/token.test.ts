import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { exportJWK } from 'jose';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDpopProof, decodeJwtUnverified, dpopKeyThumbprint } from '@tessera/token';
import { createTessera } from '../../src/index.js';
import { createMemoryStorage } from '@tessera/store';
import { FORM, form, ISSUER, JWT_API, OPAQUE_API, setup, type Fixture } from '../helpers.js';

const TOKEN_URL = `${ISSUER}/token`;
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

let f: Fixture;
beforeEach(async () => {
  f = await setup();
});
afterEach(async () => {
  await f.close();
});

const nowS = () => Math.floor(f.clock.now() / 1000);
const proof = (extra: Partial<Parameters<typeof createDpopProof>[1]> = {}, privateKey: KeyObject = key.privateKey) =>
  createDpopProof(privateKey, { htm: 'POST', htu: TOKEN_URL, iat: nowS(), ...extra });

function token(dpop: string | string[] | undefined, resource = JWT_API, fixture = f) {
  const headers: Record<string, string | string[]> = { 'content-type': FORM, authorization: fixture.basic(fixture.client.id, fixture.client.secret) };
  if (dpop !== undefined) headers.dpop = dpop;
  return fixture.tessera.app.inject({ method: 'POST', url: '/token', headers, payload: form({ grant_type: 'client_credentials', resource }) });
}

async function refusedWith(dpop: string | string[], code = 'invalid_dpop_proof') {
  const res = await token(dpop);
  expect(res.statusCode, res.body).toBe(400);
  expect(res.json().error).toBe(code);
  expect(res.headers['cache-control']).toBe('no-store');
  return res;
}

/** An ES256-signed proof with any header and claims, for what createDpopProof will not produce. */
async function raw(header: Record<string, unknown>, claims: Record<string, unknown>, signWith: KeyObject = key.privateKey) {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  return `${input}.${b64(sign('sha256', Buffer.from(input), { key: signWith, dsaEncoding: 'ieee-p1363' }))}`;
}
const publicJwk = async () => {
  const { kty, crv, x, y } = await exportJWK(key.publicKey);
  return { kty, crv, x, y };
};
const claims = () => ({ jti: `j-${Math.random()}`, htm: 'POST', htu: TOKEN_URL, iat: nowS() });

describe('DPoP at the token endpoint (RFC 9449 §5)', () => {
  it('RFC 9449 §5: a valid proof binds the access token — token_type DPoP, cnf.jkt in the JWT and in introspection; a DPoP-Nonce comes back', async () => {
    const res = await token(proof());
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.token_type).toBe('DPoP');
    expect(res.headers['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const jkt = dpopKeyThumbprint(key.publicKey);
    expect(decodeJwtUnverified(body.access_token).payload.cnf).toEqual({ jkt });
    const introspected = await f.tessera.app.inject({
      method: 'POST', url: '/introspect',
      headers: { 'content-type': FORM, authorization: f.basic(f.client.id, f.client.secret) },
      payload: form({ token: body.access_token }),
    });
    expect(introspected.json()).toMatchObject({ active: true, cnf: { jkt } });

    const opaque = await token(proof(), OPAQUE_API);
    expect(opaque.json().token_type).toBe('DPoP');
    const opaqueIntrospected = await f.tessera.app.inject({
      method: 'POST', url: '/introspect',
      headers: { 'content-type': FORM, authorization: f.basic(f.client.id, f.client.secret) },
      payload: form({ token: opaque.json().access_token }),
    });
    expect(opaqueIntrospected.json()).toMatchObject({ active: true, cnf: { jkt } });
  });

  it('issue 5 §5: when the proof key is a registered device key, the token also carries the device id', async () => {
    const at = new Date(f.clock.now());
    const jwk = (await exportJWK(key.publicKey)) as Record<string, unknown>;
    await f.storage.devices.create({
      v: 1, id: 'dev-7', userId: null, platform: 'macos', osVersion: '14.5', uem: 'sim', displayName: 'laptop',
      keys: [{ jkt: dpopKeyThumbprint(key.publicKey), jwk, addedAt: at }], posture: null, compliance: null, createdAt: at, updatedAt: at,
    });
    const res = await token(proof());
    expect(res.statusCode, res.body).toBe(200);
    expect(decodeJwtUnverified(res.json().access_token).payload).toMatchObject({ cnf: { jkt: dpopKeyThumbprint(key.publicKey) }, device_id: 'dev-7' });
    const other = generateKeyPairSync('ed25519');
    expect(decodeJwtUnverified((await token(proof({}, other.privateKey))).json().access_token).payload.device_id).toBeUndefined();
  });

  it('without a DPoP header nothing is bound: token_type Bearer and no cnf', async () => {
    const res = await token(undefined);
    expect(res.json().token_type).toBe('Bearer');
    expect(decodeJwtUnverified(res.json().access_token).payload.cnf).toBeUndefined();
    expect(res.headers['dpop-nonce']).toBeUndefined();
  });

  it('RFC 9449 §4.3 check 1: a request with two DPoP headers is invalid_dpop_proof', async () => {
    await refusedWith([proof(), proof()]);
  });

  it('RFC 9449 §4.3 check 8: a proof for another method (htm GET) is invalid_dpop_proof', async () => {
    await refusedWith(proof({ htm: 'GET' }));
  });

  it('RFC 9449 §4.3 check 9: a proof for another URI (htu) is invalid_dpop_proof; query and fragment are ignored', async () => {
    await refusedWith(proof({ htu: `${ISSUER}/introspect` }));
    await refusedWith(proof({ htu: 'https://other.example/token' }));
    expect((await token(proof({ htu: `${TOKEN_URL}?x=1#y` }))).statusCode).toBe(200);
  });

  it('RFC 9449 §4.3 check 11: a proof issued more than 60 s ago, or more than 5 s ahead, is invalid_dpop_proof', async () => {
    await refusedWith(proof({ iat: nowS() - 61 }));
    await refusedWith(proof({ iat: nowS() + 6 }));
  });

  it('RFC 9449 §11.1: a replayed proof (same jti, same URI) is invalid_dpop_proof the second time', async () => {
    const once = proof({ jti: 'replay-me' });
    expect((await token(once)).statusCode).toBe(200);
    await refusedWith(once);
  });

  it('RFC 9449 §4.3 check 5: proofs with alg none or HS256 are invalid_dpop_proof', async () => {
    const jwk = await publicJwk();
    await refusedWith(`${b64(JSON.stringify({ typ: 'dpop+jwt', alg: 'none', jwk }))}.${b64(JSON.stringify(claims()))}.`);
    const input = `${b64(JSON.stringify({ typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: b64('k') } }))}.${b64(JSON.stringify(claims()))}`;
    await refusedWith(`${input}.${b64(createHmac('sha256', 'k').update(input).digest())}`);
  });

  it('RFC 9449 §4.3 check 7: a proof whose jwk carries the private key is invalid_dpop_proof', async () => {
    await refusedWith(await raw({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(key.privateKey) }, claims()));
  });

  it('RFC 9449 §4.3 check 4: a proof with typ JWT is invalid_dpop_proof', async () => {
    await refusedWith(await raw({ typ: 'JWT', alg: 'ES256', jwk: await publicJwk() }, claims()));
  });

  it('RFC 9449 §4.3 check 6: a proof signed by a key other than its jwk is invalid_dpop_proof', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await refusedWith(await raw({ typ: 'dpop+jwt', alg: 'ES256', jwk: await publicJwk() }, claims(), other.privateKey));
  });

  it('garbage in the DPoP header is invalid_dpop_proof, never a 500', async () => {
    for (const junk of ['x', 'a.b.c', '...', 'é.é.é', `${proof()}.extra`]) await refusedWith(junk);
  });

  it('arbitrary DPoP header values are 400 invalid_dpop_proof, never a 500 (fast-check)', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ minLength: 1, maxLength: 300 }), fc.array(fc.string({ maxLength: 40 }), { minLength: 3, maxLength: 3 }).map((p) => p.join('.'))), async (value) => {
      fc.pre(value.trim() !== '' && !/[\r\n\0]/.test(value));
      const res = await token(value);
      expect([res.statusCode, res.json().error]).toEqual([400, 'invalid_dpop_proof']);
    }), { numRuns: 100 });
  });

  it('RFC 9449 §5.2: a client registered with dpop_bound_access_tokens must send a proof', async () => {
    const bound = await f.tessera.admin.createClient({ name: 'bound', scopes: ['read'], resources: [JWT_API], metadata: { dpop_bound_access_tokens: true } });
    const request = (dpop?: string) => f.tessera.app.inject({
      method: 'POST', url: '/token',
      headers: { 'content-type': FORM, authorization: f.basic(bound.client.clientId, bound.clientSecret), ...(dpop ? { dpop } : {}) },
      payload: form({ grant_type: 'client_credentials', resource: JWT_API }),
    });
    const without = await request();
    expect([without.statusCode, without.json().error]).toEqual([400, 'invalid_dpop_proof']);
    expect((await request(proof())).statusCode).toBe(200);
  });
});

describe('DPoP server nonces (RFC 9449 §8)', () => {
  it('RFC 9449 §8: with dpop.requireNonce a proof without a nonce gets 400 use_dpop_nonce and a DPoP-Nonce to retry with', async () => {
    const storage = createMemoryStorage({ now: f.clock.now });
    const tessera = await createTessera({
      config: { issuer: ISSUER, dev: true, store: { kind: 'memory' }, keys: { masterKey: Buffer.alloc(32, 9) }, dpop: { requireNonce: true } },
      storage, now: f.clock.now, logStream: f.logs.stream,
    });
    try {
      await tessera.admin.createResource({ id: JWT_API, tokenFormat: 'jwt', ttl: '10m', scopes: ['read'] });
      const client = await tessera.admin.createClient({ name: 'svc', scopes: ['read'], resources: [JWT_API] });
      const fixture = { ...f, tessera, client: { id: client.client.clientId, secret: client.clientSecret } };
      const first = await token(proof(), JWT_API, fixture);
      expect([first.statusCode, first.json().error]).toEqual([400, 'use_dpop_nonce']);
      const nonce = first.headers['dpop-nonce'] as string;
      expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(first.headers['access-control-expose-headers']).toBe('DPoP-Nonce');

      const stale = await token(proof({ nonce: 'AAAAAAAAAAAAAAAAAAAAAA' }), JWT_API, fixture);
      expect(stale.json().error).toBe('use_dpop_nonce');

      const retried = await token(proof({ nonce }), JWT_API, fixture);
      expect(retried.statusCode, retried.body).toBe(200);
      f.clock.advance(121); // two nonce windows later the nonce is stale
      const late = await token(proof({ nonce }), JWT_API, fixture);
      expect(late.json().error).toBe('use_dpop_nonce');
    } finally {
      await tessera.close();
      await storage.close();
    }
  });
});
