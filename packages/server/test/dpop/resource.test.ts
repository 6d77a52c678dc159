import { generateKeyPairSync } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStorage, type Storage } from '@tessera/store';
import { createDpopProof, dpopKeyThumbprint } from '@tessera/token';
import { dpopSchema } from '../../src/dpop/index.js';
import { createResourceDpopCheck } from '../../src/dpop/resource.js';
import { OAuthError } from '../../src/errors.js';

/**
 * The check the server's own token-accepting endpoints (OIDC /userinfo) use (RFC 9449 §7), on a bare
 * Fastify route: each request says how the token came and what it is bound to.
 */
const ISSUER = 'https://as.example.com';
const NOW = 1_800_000_000_000;
const TOKEN = 'the-access-token';
const holder = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const JKT = dpopKeyThumbprint(holder.publicKey);

let storage: Storage;
let app: FastifyInstance;

beforeEach(async () => {
  storage = createMemoryStorage({ now: () => NOW });
  const check = createResourceDpopCheck({ issuer: ISSUER, config: dpopSchema.parse({}), replay: storage.replay, now: () => NOW });
  app = Fastify();
  app.setErrorHandler((error, _request, reply) => {
    const oauth = error instanceof OAuthError ? error : new OAuthError('server_error', 500, 'unexpected');
    return reply.code(oauth.status).headers(oauth.headers).send(oauth.toJSON());
  });
  app.get('/userinfo', async (request) => {
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    await check(request, scheme!.toLowerCase() as 'bearer' | 'dpop', token!, request.headers['x-bound'] === 'yes' ? JKT : null);
    return { ok: true };
  });
});
afterEach(async () => {
  await app.close();
  await storage.close();
});

const proof = (extra: Partial<Parameters<typeof createDpopProof>[1]> = {}) =>
  createDpopProof(holder.privateKey, { htm: 'GET', htu: `${ISSUER}/userinfo`, iat: NOW / 1000, accessToken: TOKEN, ...extra });
const call = (headers: Record<string, string | string[]>) => app.inject({ url: '/userinfo?schema=openid', headers });

describe('DPoP at the server\'s own resources (RFC 9449 §7, for /userinfo)', () => {
  it('RFC 9449 §7.1: a bound token with the DPoP scheme and a valid proof passes; an unbound Bearer token passes', async () => {
    expect((await call({ authorization: `DPoP ${TOKEN}`, dpop: proof(), 'x-bound': 'yes' })).statusCode).toBe(200);
    expect((await call({ authorization: `Bearer ${TOKEN}` })).statusCode).toBe(200);
  });

  it('RFC 9449 §7.2: a bound token sent as Bearer is 401 invalid_token with a Bearer challenge', async () => {
    const res = await call({ authorization: `Bearer ${TOKEN}`, 'x-bound': 'yes' });
    expect([res.statusCode, res.json().error, res.headers['www-authenticate']]).toEqual([401, 'invalid_token', 'Bearer error="invalid_token"']);
  });

  it('RFC 9449 §7.1: proofs that are missing, doubled, for another method, without ath, or replayed are 401 invalid_dpop_proof', async () => {
    const bound = (dpop?: string | string[]) => call({ authorization: `DPoP ${TOKEN}`, 'x-bound': 'yes', ...(dpop === undefined ? {} : { dpop }) });
    const once = proof();
    expect((await bound(once)).statusCode).toBe(200);
    for (const res of [
      await bound(),
      await bound([proof(), proof()]),
      await bound(proof({ htm: 'POST' })),
      await bound(createDpopProof(holder.privateKey, { htm: 'GET', htu: `${ISSUER}/userinfo`, iat: NOW / 1000 })),
      await bound(proof({ accessToken: 'another-token' })),
      await bound(createDpopProof(generateKeyPairSync('ed25519').privateKey, { htm: 'GET', htu: `${ISSUER}/userinfo`, iat: NOW / 1000, accessToken: TOKEN })),
      await bound(once),
    ]) {
      expect([res.statusCode, res.json().error]).toEqual([401, 'invalid_dpop_proof']);
      expect(res.headers['www-authenticate']).toBe('DPoP error="invalid_dpop_proof", algs="ES256 EdDSA RS256 PS256"');
    }
  });

  it('RFC 9449 §7.1: an unbound token sent with the DPoP scheme is 401 invalid_token', async () => {
    const res = await call({ authorization: `DPoP ${TOKEN}`, dpop: proof() });
    expect([res.statusCode, res.json().error]).toEqual([401, 'invalid_token']);
  });
});
