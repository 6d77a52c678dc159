import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuard, type GuardOptions } from '@tessera/guard';
import { createTessera, type Tessera } from '@tessera/server';
import { freePort } from '../device-trust/processes.js';
import { buildApp } from './app.js';

/**
 * End to end (issue 4 acceptance): a real Tessera server (in-process, listening on 127.0.0.1) issues
 * tokens over HTTP; the example API's guard discovers it, fetches its JWKS and introspects over HTTP.
 * The API is called in-process here, so each case can set its own guard options and clock;
 * processes.test.ts runs the same acceptance with every part its own process.
 */
const JWT_API = 'https://reports.example.com';
const OPAQUE_API = 'https://opaque-reports.example.com';
const FORM = 'application/x-www-form-urlencoded';

let tessera: Tessera;
let issuer: string;
let svc: { id: string; secret: string };
let writer: { id: string; secret: string };
let api: { id: string; secret: string };

const basic = (c: { id: string; secret: string }) =>
  `Basic ${Buffer.from(`${encodeURIComponent(c.id)}:${encodeURIComponent(c.secret)}`).toString('base64')}`;

async function post(path: string, client: { id: string; secret: string }, params: Record<string, string>) {
  return fetch(`${issuer}${path}`, { method: 'POST', headers: { 'content-type': FORM, authorization: basic(client) }, body: new URLSearchParams(params) });
}

async function token(resource: string, scope = 'reports:read', client = svc): Promise<string> {
  const res = await post('/token', client, { grant_type: 'client_credentials', resource, scope });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function exampleApi(options: Partial<GuardOptions> & { audience: string }): Promise<FastifyInstance> {
  const guard = createGuard({ issuer, ...options });
  return buildApp({ guard });
}

const get = (app: FastifyInstance, accessToken?: string, url = '/v1/reports') =>
  app.inject({ url, headers: accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` } });

beforeAll(async () => {
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  tessera = await createTessera({
    config: {
      issuer, dev: true, store: { kind: 'memory' },
      keys: { masterKey: Buffer.alloc(32, 7), jwksCacheMaxAge: 1, publishAhead: 1, tickInterval: 1 },
      server: { port, logLevel: 'silent' },
    },
  });
  await tessera.listen();
  await tessera.admin.createResource({ id: JWT_API, tokenFormat: 'jwt', ttl: '10m', scopes: ['reports:read', 'reports:write'] });
  await tessera.admin.createResource({ id: OPAQUE_API, tokenFormat: 'opaque', ttl: '10m', scopes: ['reports:read', 'reports:write'] });
  const resources = [JWT_API, OPAQUE_API];
  const a = await tessera.admin.createClient({ name: 'svc', scopes: ['reports:read', 'reports:write'], resources });
  const w = await tessera.admin.createClient({ name: 'writer', scopes: ['reports:write'], resources });
  const r = await tessera.admin.createClient({ name: 'reports-api', grantTypes: [], resources });
  svc = { id: a.client.clientId, secret: a.clientSecret };
  writer = { id: w.client.clientId, secret: w.clientSecret };
  api = { id: r.client.clientId, secret: r.clientSecret };
});
afterAll(async () => {
  await tessera?.close();
});

describe('the example API with tokens from a running Tessera server', () => {
  it('opens /v1/reports with a JWT access token and keeps /v1/public open without one', async () => {
    const app = await exampleApi({ audience: JWT_API });
    const res = await get(app, await token(JWT_API));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ subject: svc.id, client: svc.id });
    expect((await get(app, undefined, '/v1/public')).statusCode).toBe(200);
    const none = await get(app);
    // RFC 6750 §3 and RFC 9449 §7.1: a request without a token is offered both schemes.
    expect([none.statusCode, none.headers['www-authenticate']]).toEqual([401, `Bearer realm="${JWT_API}", DPoP realm="${JWT_API}", algs="ES256 EdDSA RS256 PS256"`]);
  });

  it('refuses a token without reports:read with 403 insufficient_scope', async () => {
    const app = await exampleApi({ audience: JWT_API });
    const res = await get(app, await token(JWT_API, 'reports:write', writer));
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope", error_description="The access token does not grant the required scope", scope="reports:read"');
  });

  it('refuses a JWT issued for another API (audience restriction, C-16)', async () => {
    const app = await exampleApi({ audience: JWT_API });
    const other = await exampleApi({ audience: 'https://elsewhere.example.com' });
    const jwt = await token(JWT_API);
    expect((await get(app, jwt)).statusCode).toBe(200);
    expect((await get(other, jwt)).json()).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid' });
  });

  it('opens the API with an opaque token by introspection, and refuses it at once after revocation', async () => {
    const app = await exampleApi({ audience: OPAQUE_API, introspection: { clientId: api.id, clientSecret: api.secret } });
    const opaque = await token(OPAQUE_API);
    expect(opaque).not.toContain('.');
    expect((await get(app, opaque)).statusCode).toBe(200);
    expect((await post('/revoke', svc, { token: opaque })).status).toBe(200);
    const res = await get(app, opaque);
    expect([res.statusCode, res.json().error]).toEqual([401, 'invalid_token']);
  });

  it('refuses a revoked JWT within the documented bound (introspection.checkJwts, cacheMaxAge)', async () => {
    let skewMs = 0;
    const app = await exampleApi({
      audience: JWT_API, now: () => Date.now() + skewMs,
      introspection: { clientId: api.id, clientSecret: api.secret, checkJwts: true, cacheMaxAge: 5 },
    });
    const jwt = await token(JWT_API);
    expect((await get(app, jwt)).statusCode).toBe(200);
    expect((await post('/revoke', svc, { token: jwt })).status).toBe(200);
    expect((await get(app, jwt)).statusCode).toBe(200); // the cached "active" answer, at most cacheMaxAge old
    skewMs = 5_000;
    expect((await get(app, jwt)).statusCode).toBe(401);
  });

  it('never refuses a valid token while the server rotates its keys (scheduled, then emergency rotation)', async () => {
    const refreshes: string[] = [];
    const app = await exampleApi({
      audience: JWT_API, jwks: { minAge: 1 },
      onEvent: (event, detail) => { if (event === 'jwks_refreshed') refreshes.push(String(detail.reason)); },
    });
    const statuses = new Map<number, number>();
    let running = true;
    const worker = async () => {
      while (running) {
        const jwt = await token(JWT_API);
        for (let i = 0; i < 5; i++) {
          const { statusCode } = await get(app, jwt);
          statusCodes(statusCode);
        }
      }
    };
    const statusCodes = (code: number) => statuses.set(code, (statuses.get(code) ?? 0) + 1);
    // The key manager also keeps ID-token keys (other algorithms): follow the access-token key only.
    const accessKid = () => tessera.keys.currentKids()[tessera.config.keys.accessTokenAlg];
    const kidsBefore = [accessKid()];
    const workers = Array.from({ length: 4 }, worker);
    await new Promise((r) => setTimeout(r, 500));
    await tessera.keys.rotate(); // next key published now, signs after publishAhead (1 s)
    await new Promise((r) => setTimeout(r, 2_500));
    const kidsMiddle = [accessKid()];
    await tessera.keys.rotate({ immediate: true }); // a new key signs at once: the guard learns it by unknown-kid refetch
    await new Promise((r) => setTimeout(r, 1_500));
    running = false;
    await Promise.all(workers);
    const kidsAfter = [accessKid()];
    expect(new Set([...kidsBefore, ...kidsMiddle, ...kidsAfter]).size).toBe(3); // two real rotations happened
    expect(Object.fromEntries(statuses)).toEqual({ 200: expect.any(Number) });
    expect(statuses.get(200)).toBeGreaterThan(50);
    expect(refreshes.length).toBeGreaterThan(2); // the guard did follow the server's 1 s max-age
    console.log('rotation run:', Object.fromEntries(statuses), 'jwks refreshes:', refreshes.join(', '));
  });
});
