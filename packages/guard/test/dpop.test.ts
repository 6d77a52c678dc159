import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import Fastify from 'fastify';
import { exportJWK } from 'jose';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDpopProof, dpopKeyThumbprint } from '@tessera/token';
import { createGuard, errorResponse, expressGuard, fastifyGuard, GuardError, honoGuard, type AuthResult, type Guard, type GuardOptions, type HonoLikeContext, type RequestLike } from '../src/index.js';
import { accessClaims, AUDIENCE, FakeAs, ISSUER, makeKey, NOW, NOW_S, refusalOf, signToken, type TestKey } from './helpers.js';

const API = 'https://api.example.com';
const URL_ = `${API}/v1/reports`;
const holder = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const thief = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const JKT = dpopKeyThumbprint(holder.publicKey);
const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

let key: TestKey;
let as: FakeAs;
let bound: string;
let unbound: string;

beforeAll(async () => {
  key = await makeKey('k1', 'ES256');
  as = new FakeAs([key]);
  bound = await signToken(key, accessClaims({ cnf: { jkt: JKT }, device_id: 'dev-1' }));
  unbound = await signToken(key);
});

function makeGuard(options: Partial<GuardOptions> = {}): Guard {
  return createGuard({ issuer: ISSUER, audience: AUDIENCE, realm: 'reports', fetch: as.fetch, now: () => NOW, dpop: { publicBaseUrl: API }, ...options });
}

const proof = (extra: Partial<Parameters<typeof createDpopProof>[1]> = {}, privateKey: KeyObject = holder.privateKey) =>
  createDpopProof(privateKey, { htm: 'GET', htu: URL_, iat: NOW_S, accessToken: bound, ...extra });

const request = (dpop: string | string[] | undefined, token = bound, extra: Partial<RequestLike> = {}): RequestLike => ({
  headers: { authorization: `DPoP ${token}`, ...(dpop === undefined ? {} : { dpop }) },
  method: 'GET',
  url: '/v1/reports?page=2',
  ...extra,
});

const refusal = refusalOf;

async function raw(header: Record<string, unknown>, claims: Record<string, unknown>, signWith: KeyObject = holder.privateKey) {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  return `${input}.${b64(sign('sha256', Buffer.from(input), { key: signWith, dsaEncoding: 'ieee-p1363' }))}`;
}
const publicJwk = async () => {
  const { kty, crv, x, y } = await exportJWK(holder.publicKey);
  return { kty, crv, x, y };
};
const proofClaims = async () => ({ jti: `j${Math.random()}`, htm: 'GET', htu: URL_, iat: NOW_S, ath: (await import('@tessera/token')).accessTokenHash(bound) });

describe('DPoP at the resource server (RFC 9449 §7)', () => {
  it('RFC 9449 §7.1: a DPoP-bound token with a valid proof by its key is accepted, synchronously; the result carries the binding and the device', async () => {
    const guard = makeGuard();
    await guard.ready();
    const result = guard.check(request(proof()));
    expect(result).not.toBeInstanceOf(Promise);
    expect((result as Awaited<typeof result>).binding).toEqual({ jkt: JKT });
    expect((result as Awaited<typeof result>).deviceId).toBe('dev-1');
  });

  const negatives: [string, () => Promise<RequestLike>, string, RegExp][] = [
    ['RFC 9449 §7.2: a DPoP-bound token sent as Bearer is invalid_token', async () => ({ headers: { authorization: `Bearer ${bound}` }, method: 'GET', url: '/v1/reports' }), 'invalid_token', /DPoP-bound token sent as Bearer/],
    ['RFC 9449 §7.1: a DPoP token without a DPoP header is invalid_dpop_proof', async () => request(undefined), 'invalid_dpop_proof', /no DPoP header/],
    ['RFC 9449 §4.3 check 1: two DPoP headers are invalid_dpop_proof', async () => request([proof(), proof()]), 'invalid_dpop_proof', /more than one/],
    ['RFC 9449 §4.3 check 1: two proofs joined in one header value are invalid_dpop_proof', async () => request(`${proof()}, ${proof()}`), 'invalid_dpop_proof', /more than one/],
    ['RFC 9449 §4.3 check 8: a proof with the wrong htm is invalid_dpop_proof', async () => request(proof({ htm: 'POST' })), 'invalid_dpop_proof', /htm_mismatch/],
    ['RFC 9449 §4.3 check 9: a proof for another URI is invalid_dpop_proof', async () => request(proof({ htu: `${API}/v1/admin` })), 'invalid_dpop_proof', /htu_mismatch/],
    ['RFC 9449 §4.3 check 9: a proof for another host is invalid_dpop_proof', async () => request(proof({ htu: 'https://evil.example.com/v1/reports' })), 'invalid_dpop_proof', /htu_mismatch/],
    ['RFC 9449 §4.3 check 11: a stale proof (iat 61 s ago) is invalid_dpop_proof', async () => request(proof({ iat: NOW_S - 61 })), 'invalid_dpop_proof', /iat_too_old/],
    ['RFC 9449 §4.3 check 11: a proof from the future (iat +6 s) is invalid_dpop_proof', async () => request(proof({ iat: NOW_S + 6 })), 'invalid_dpop_proof', /iat_in_future/],
    ['RFC 9449 §4.3 check 12: a proof without ath is invalid_dpop_proof', async () => request(createDpopProof(holder.privateKey, { htm: 'GET', htu: URL_, iat: NOW_S })), 'invalid_dpop_proof', /ath_missing/],
    ['RFC 9449 §4.3 check 12: a proof whose ath is another token\'s hash is invalid_dpop_proof', async () => request(proof({ accessToken: unbound })), 'invalid_dpop_proof', /ath_mismatch/],
    ['RFC 9449 §4.3 check 12: a proof by another key than cnf.jkt (a stolen token) is invalid_dpop_proof', async () => request(proof({}, thief.privateKey)), 'invalid_dpop_proof', /key_mismatch/],
    ['RFC 9449 §4.3 check 5: a proof with alg none is invalid_dpop_proof', async () => request(`${b64(JSON.stringify({ typ: 'dpop+jwt', alg: 'none', jwk: await publicJwk() }))}.${b64(JSON.stringify(await proofClaims()))}.`), 'invalid_dpop_proof', /alg_not_allowed/],
    ['RFC 9449 §4.3 check 5: a proof MACed with HS256 is invalid_dpop_proof', async () => {
      const input = `${b64(JSON.stringify({ typ: 'dpop+jwt', alg: 'HS256', jwk: await publicJwk() }))}.${b64(JSON.stringify(await proofClaims()))}`;
      return request(`${input}.${b64(createHmac('sha256', 'k').update(input).digest())}`);
    }, 'invalid_dpop_proof', /alg_not_allowed/],
    ['RFC 9449 §4.3 check 7: a proof whose jwk holds the private key is invalid_dpop_proof', async () => request(await raw({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(holder.privateKey) }, await proofClaims())), 'invalid_dpop_proof', /private_key_in_jwk/],
    ['RFC 9449 §4.3 check 4: a proof with typ JWT is invalid_dpop_proof', async () => request(await raw({ typ: 'JWT', alg: 'ES256', jwk: await publicJwk() }, await proofClaims())), 'invalid_dpop_proof', /wrong_typ/],
    ['RFC 9449 §7.1: an unbound (Bearer) token sent with the DPoP scheme is invalid_token', async () => request(proof({ accessToken: unbound }), unbound), 'invalid_token', /not DPoP-bound/],
  ];

  for (const [name, build, code, reason] of negatives) {
    it(name, async () => {
      const guard = makeGuard();
      const error = await refusal(guard, await build());
      expect([error.status, error.code]).toEqual([401, code]);
      expect(error.reason).toMatch(reason);
      // RFC 9449 §7.1: the challenge names the scheme the request used.
      expect(guard.challenge(error).split(' ', 1)[0]).toBe(/sent as Bearer/.test(error.reason) ? 'Bearer' : 'DPoP');
    });
  }

  it('RFC 9449 §11.1: a replayed proof (same jti, same URI) is refused the second time', async () => {
    const guard = makeGuard();
    const once = proof({ jti: 'only-once' });
    await guard.check(request(once));
    const error = await refusal(guard, request(once));
    expect([error.code, error.reason]).toEqual(['invalid_dpop_proof', 'dpop: replayed']);
  });

  it('RFC 9449 §7.1: refusals of DPoP requests carry WWW-Authenticate: DPoP error="invalid_dpop_proof" with algs', async () => {
    const guard = makeGuard({ dpop: { publicBaseUrl: API, algorithms: ['ES256', 'EdDSA'] } });
    const error = await refusal(guard, request(proof({ htm: 'POST' })));
    expect(errorResponse(guard, error)).toMatchObject({
      status: 401,
      headers: { 'www-authenticate': 'DPoP realm="reports", error="invalid_dpop_proof", error_description="The DPoP proof is invalid", algs="ES256 EdDSA"' },
      body: { error: 'invalid_dpop_proof' },
    });
  });

  it('RFC 9449 §9: with nonces on, a proof without the nonce gets 401 use_dpop_nonce and a DPoP-Nonce header; with it, access', async () => {
    const guard = makeGuard({ dpop: { publicBaseUrl: API, nonce: { secret: Buffer.alloc(32, 3) } } });
    const error = await refusal(guard, request(proof()));
    const response = errorResponse(guard, error);
    expect([response.status, response.body.error]).toEqual([401, 'use_dpop_nonce']);
    const nonce = response.headers['dpop-nonce']!;
    expect(response.headers['www-authenticate']).toMatch(/^DPoP realm="reports", error="use_dpop_nonce"/);
    expect((await guard.check(request(proof({ nonce })))).binding).toEqual({ jkt: JKT });
  });

  it('dpop.required: Bearer tokens are refused and the challenge offers only DPoP', async () => {
    const guard = makeGuard({ dpop: { publicBaseUrl: API, required: true } });
    const error = await refusal(guard, { headers: { authorization: `Bearer ${unbound}` }, url: '/v1/reports' });
    expect(error.code).toBe('invalid_token');
    expect(guard.challenge(error)).toMatch(/^DPoP realm="reports", error="invalid_token"/);
    expect(guard.challenge(new GuardError(undefined, 'none'))).toBe('DPoP realm="reports", algs="ES256 EdDSA RS256 PS256"');
  });

  it('dpop: false turns the scheme off: a DPoP credential is an unsupported scheme (bare 401)', async () => {
    const guard = makeGuard({ dpop: false });
    const error = await refusal(guard, request(proof()));
    expect([error.status, error.code]).toEqual([401, undefined]);
    expect(guard.challenge(error)).toBe('Bearer realm="reports"');
  });

  it('without publicBaseUrl the htu comes from an absolute URL, or Host + protocol', async () => {
    const guard = makeGuard({ dpop: {} });
    expect((await guard.check(request(proof(), bound, { url: `${URL_}?x=1` }))).binding).toEqual({ jkt: JKT });
    const viaHost = { headers: { authorization: `DPoP ${bound}`, dpop: proof(), host: 'api.example.com' }, method: 'GET', url: '/v1/reports', protocol: 'https' };
    expect((await guard.check(viaHost)).binding).toEqual({ jkt: JKT });
    const wrongHost = { ...viaHost, headers: { ...viaHost.headers, dpop: proof(), host: 'other.example.com' } };
    expect((await refusal(guard, wrongHost)).reason).toMatch(/htu_mismatch/);
  });

  it('an opaque DPoP-bound token (introspection with cnf.jkt, token_type DPoP) needs the proof too', async () => {
    const opaque = 'tat_opaque-bound-token';
    const fake = new FakeAs([key]);
    fake.introspect = () => ({ body: { active: true, iss: ISSUER, aud: AUDIENCE, sub: 'u', exp: NOW_S + 60, token_type: 'DPoP', cnf: { jkt: JKT } } });
    const guard = makeGuard({ fetch: fake.fetch, introspection: { clientId: 'rs', clientSecret: 's' } });
    const ok = await guard.check({ headers: { authorization: `DPoP ${opaque}`, dpop: proof({ accessToken: opaque }) }, method: 'GET', url: '/v1/reports' });
    expect(ok.binding).toEqual({ jkt: JKT });
    const asBearer = await refusal(guard, { headers: { authorization: `Bearer ${opaque}` }, url: '/v1/reports' });
    expect(asBearer.reason).toMatch(/DPoP-bound token sent as Bearer/);
    const stolen = await refusal(guard, { headers: { authorization: `DPoP ${opaque}`, dpop: proof({ accessToken: opaque }, thief.privateKey) }, method: 'GET', url: '/v1/reports' });
    expect(stolen.reason).toMatch(/key_mismatch/);
  });

  it('Fastify: a real request with Authorization: DPoP and a DPoP header is admitted; two DPoP headers are refused', async () => {
    const guard = makeGuard({ dpop: {} });
    const app = Fastify();
    await app.register(fastifyGuard, { guard });
    app.get('/v1/reports', { onRequest: app.requireAuth() }, async (req) => ({ jkt: req.auth?.binding?.jkt, device: req.auth?.deviceId }));
    const htu = 'http://localhost:80/v1/reports';
    const ok = await app.inject({ url: '/v1/reports', headers: { authorization: `DPoP ${bound}`, dpop: proof({ htu }) } });
    expect([ok.statusCode, ok.json()]).toEqual([200, { jkt: JKT, device: 'dev-1' }]);
    const two = await app.inject({ url: '/v1/reports', headers: { authorization: `DPoP ${bound}`, dpop: [proof({ htu }), proof({ htu })] } as never });
    expect([two.statusCode, two.json().error]).toEqual([401, 'invalid_dpop_proof']);
    expect(two.headers['www-authenticate']).toMatch(/^DPoP /);
    await app.close();
  });

  it('RFC 9449 §9: with nonces on, the Fastify adapter sends a fresh DPoP-Nonce with every admitted DPoP response', async () => {
    const guard = makeGuard({ dpop: { nonce: { secret: Buffer.alloc(32, 4) } } });
    const app = Fastify();
    await app.register(fastifyGuard, { guard });
    app.get('/v1/reports', { onRequest: app.requireAuth() }, async () => ({ ok: true }));
    const htu = 'http://localhost:80/v1/reports';
    const first = await app.inject({ url: '/v1/reports', headers: { authorization: `DPoP ${bound}`, dpop: proof({ htu }) } });
    expect([first.statusCode, first.json().error]).toEqual([401, 'use_dpop_nonce']);
    const nonce = first.headers['dpop-nonce'] as string;
    const ok = await app.inject({ url: '/v1/reports', headers: { authorization: `DPoP ${bound}`, dpop: proof({ htu, nonce }) } });
    expect([ok.statusCode, ok.headers['dpop-nonce']]).toEqual([200, guard.dpopNonce()]);
    await app.close();
  });

  it('arbitrary DPoP header values with a bound token are refused with 401 GuardErrors, never anything else', async () => {
    const guard = makeGuard();
    await guard.ready();
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ maxLength: 400 }), fc.array(fc.string({ maxLength: 40 }), { maxLength: 4 }).map((parts) => parts.join('.'))), async (value) => {
      let result: unknown;
      try {
        result = await guard.check(request(value));
      } catch (error) {
        result = error;
      }
      expect(result).toBeInstanceOf(GuardError);
      expect((result as GuardError).status).toBe(401);
    }), { numRuns: 300 });
  });

  it('Express: the middleware passes DPoP, Host and protocol, so a proof for the public URL is checked', async () => {
    const guard = makeGuard({ dpop: {} });
    const run = (headers: Record<string, string>) => new Promise<{ status: number; auth?: AuthResult }>((resolve) => {
      const req = { headers, rawHeaders: Object.entries(headers).flat(), method: 'GET', url: '/v1/reports', originalUrl: '/v1/reports', protocol: 'https', auth: undefined as AuthResult | undefined };
      const res = {
        status(code: number) { resolve({ status: code }); return res; },
        set() { return res; },
        json() { return undefined; },
      };
      expressGuard(guard)(req, res, () => resolve({ status: 200, auth: req.auth }));
    });
    const ok = await run({ authorization: `DPoP ${bound}`, dpop: proof(), host: 'api.example.com' });
    expect([ok.status, ok.auth?.binding]).toEqual([200, { jkt: JKT }]);
    expect((await run({ authorization: `DPoP ${bound}`, dpop: proof(), host: 'evil.example.com' })).status).toBe(401);
  });

  it('Hono: the middleware reads the DPoP header and the absolute request URL', async () => {
    const guard = makeGuard({ dpop: {} });
    const context = (headers: Record<string, string>) => {
      const vars = new Map<string, unknown>();
      const c: HonoLikeContext & { vars: Map<string, unknown> } = {
        vars,
        req: { raw: new Request(`${URL_}?page=1`, { headers }) },
        set: (k, v) => { vars.set(k, v); },
        json: (body, status, h) => new Response(JSON.stringify(body), { status, headers: h }),
      };
      return c;
    };
    const c = context({ authorization: `DPoP ${bound}`, dpop: proof() });
    expect(await honoGuard(guard)(c, async () => undefined)).toBeUndefined();
    expect((c.vars.get('auth') as AuthResult).binding).toEqual({ jkt: JKT });
    const refused = await honoGuard(guard)(context({ authorization: `DPoP ${bound}`, dpop: proof({ htm: 'DELETE' }) }), async () => undefined);
    expect([refused?.status, refused?.headers.get('www-authenticate')?.startsWith('DPoP ')]).toEqual([401, true]);

    const withNonces = makeGuard({ dpop: { nonce: { secret: Buffer.alloc(32, 6) } } });
    const sent = new Map<string, string>();
    const n = context({ authorization: `DPoP ${bound}`, dpop: proof({ nonce: withNonces.dpopNonce() }) });
    n.header = (name, value) => { sent.set(name, value); };
    expect(await honoGuard(withNonces)(n, async () => undefined)).toBeUndefined();
    expect(sent.get('dpop-nonce')).toBe(withNonces.dpopNonce());
  });
});
