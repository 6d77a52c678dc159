import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTessera, type Tessera } from '@tessera/server';
import { createDpopProof, dpopKeyThumbprint } from '@tessera/token';
import { createGuard, fastifyGuard, type Guard } from '../src/index.js';

/**
 * End to end over real HTTP: a listening Tessera issues DPoP-bound tokens and transmits CAEP events
 * (RFC 8936 poll); a listening Fastify API protected by the guard checks proofs and receives the events.
 */
const API_ID = 'https://reports.example.com';
const FORM = 'application/x-www-form-urlencoded';
const holder = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const thief = generateKeyPairSync('ed25519');

let tessera: Tessera;
let issuer: string;
let api: FastifyInstance;
let apiUrl: string;
let guard: Guard;
let svc: { id: string; secret: string };
let receiver: { id: string; secret: string };
const PUSH_SECRET = 'push-secret-known-only-to-the-transmitter';
const pushed: string[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const basic = (c: { id: string; secret: string }) => `Basic ${Buffer.from(`${encodeURIComponent(c.id)}:${encodeURIComponent(c.secret)}`).toString('base64')}`;

async function tokenFor(client: { id: string; secret: string }, params: Record<string, string>, dpop?: string) {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': FORM, authorization: basic(client), ...(dpop === undefined ? {} : { dpop }) },
    body: new URLSearchParams(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string>, nonce: res.headers.get('dpop-nonce') };
}

const ssfToken = async () => (await tokenFor(receiver, { grant_type: 'client_credentials', resource: `${issuer}/ssf`, scope: 'ssf' })).body.access_token!;

beforeAll(async () => {
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  tessera = await createTessera({
    config: { issuer, dev: true, store: { kind: 'memory' }, keys: { masterKey: Buffer.alloc(32, 5) }, server: { port, logLevel: 'silent' } },
  });
  await tessera.listen();
  await tessera.admin.createResource({ id: API_ID, tokenFormat: 'jwt', ttl: '10m', scopes: ['reports:read'] });
  const a = await tessera.admin.createClient({ name: 'svc', scopes: ['reports:read'], resources: [API_ID] });
  const r = await tessera.admin.createClient({ name: 'reports-api', scopes: ['ssf'], resources: [`${issuer}/ssf`] });
  svc = { id: a.client.clientId, secret: a.clientSecret };
  receiver = { id: r.client.clientId, secret: r.clientSecret };

  const apiPort = await freePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  // SETs from Tessera's transmitter are addressed to the receiver's client id (the stream's aud).
  guard = createGuard({ issuer, audience: API_ID, algorithms: ['ES256'], dpop: { publicBaseUrl: apiUrl }, ssf: { audience: receiver.id, getAccessToken: ssfToken, maxStaleness: 60 } });
  api = Fastify();
  await api.register(fastifyGuard, { guard });
  api.get('/v1/reports', { onRequest: api.requireAuth({ scopes: ['reports:read'] }) }, async (req) => ({ sub: req.auth?.subject, jkt: req.auth?.binding?.jkt ?? null }));
  // RFC 8935 push endpoint: only the transmitter knows the stream's authorization header.
  api.addContentTypeParser('application/secevent+jwt', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  api.post('/ssf/events', async (req, reply) => {
    pushed.push(String(req.headers['content-type']));
    if (req.headers.authorization !== `Bearer ${PUSH_SECRET}`) return reply.code(400).send({ err: 'authentication_failed', description: 'bad credentials' });
    const { status, headers, body } = await guard.ssf.handlePush(req.body, req.headers['content-type']);
    return reply.code(status).headers(headers).send(body);
  });
  await api.listen({ port: apiPort, host: '127.0.0.1' });
});
afterAll(async () => {
  await api?.close();
  await tessera?.close();
});

const call = (token: string, scheme: 'DPoP' | 'Bearer', dpop?: string) =>
  fetch(`${apiUrl}/v1/reports`, { headers: { authorization: `${scheme} ${token}`, ...(dpop === undefined ? {} : { dpop }) } });

describe('DPoP from a running Tessera to a guarded API (RFC 9449 §5, §7)', () => {
  it('a DPoP-bound token from /token opens the API only with a fresh proof of the same key', async () => {
    await guard.ssf.catchUp(); // the stream-health rule is on: start healthy
    const issued = await tokenFor(svc, { grant_type: 'client_credentials', resource: API_ID, scope: 'reports:read' }, createDpopProof(holder.privateKey, { htm: 'POST', htu: `${issuer}/token` }));
    expect([issued.status, issued.body.token_type]).toEqual([200, 'DPoP']);
    expect(issued.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const token = issued.body.access_token!;
    const proof = () => createDpopProof(holder.privateKey, { htm: 'GET', htu: `${apiUrl}/v1/reports`, accessToken: token });

    const ok = await call(token, 'DPoP', proof());
    expect([ok.status, await ok.json()]).toEqual([200, { sub: svc.id, jkt: dpopKeyThumbprint(holder.publicKey) }]);

    const asBearer = await call(token, 'Bearer');
    expect([asBearer.status, ((await asBearer.json()) as { error: string }).error]).toEqual([401, 'invalid_token']);

    const stolen = await call(token, 'DPoP', createDpopProof(thief.privateKey, { htm: 'GET', htu: `${apiUrl}/v1/reports`, accessToken: token }));
    expect(stolen.status).toBe(401);
    expect(stolen.headers.get('www-authenticate')).toMatch(/^DPoP realm=".*", error="invalid_dpop_proof"/);

    const replay = proof();
    expect((await call(token, 'DPoP', replay)).status).toBe(200);
    expect((await call(token, 'DPoP', replay)).status).toBe(401);
  });
});

describe('CAEP from Tessera\'s SSF transmitter to the guard (RFC 8936 poll)', () => {
  it('a session revoked at the server reaches the guard by long poll and its tokens are refused from then on', async () => {
    const metadata = (await (await fetch(`${issuer}/.well-known/ssf-configuration`)).json()) as { configuration_endpoint: string };
    const created = await fetch(metadata.configuration_endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${await ssfToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ delivery: { method: 'urn:ietf:rfc:8936' } }),
    });
    expect(created.status).toBe(201);
    const stream = (await created.json()) as { delivery: { endpoint_url: string } };
    const poller = guard.ssf.startPolling({ endpoint: stream.delivery.endpoint_url });
    try {
      const inSession = sessionToken('alice', 'sess-1', 'e2e-1');
      expect((await call(inSession, 'Bearer')).status).toBe(200);
      tessera.events.emit('session.revoked', { sid: 'sess-1', userId: 'alice', at: new Date(), reason: 'e2e' });
      await expect.poll(async () => (await call(inSession, 'Bearer')).status, { timeout: 5000, interval: 50 }).toBe(401);
    } finally {
      await poller.stop();
    }
  });
});

/** An access token of session `sid`, signed by the server's current key (as the authorization-code grant would). */
function sessionToken(sub: string, sid: string, jti: string): string {
  const now = Math.floor(Date.now() / 1000);
  return tessera.keys.signer('ES256').sign(
    { iss: issuer, sub, aud: API_ID, iat: now - 1, exp: now + 300, jti, client_id: svc.id, scope: 'reports:read', sid },
    'at+jwt',
  );
}

describe('CAEP from Tessera\'s SSF transmitter to the guard (RFC 8935 push)', () => {
  it('a session revoked at the server is pushed to the API\'s endpoint and its tokens are refused from then on', async () => {
    const metadata = (await (await fetch(`${issuer}/.well-known/ssf-configuration`)).json()) as { configuration_endpoint: string };
    const created = await fetch(metadata.configuration_endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${await ssfToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: `${apiUrl}/ssf/events`, authorization_header: `Bearer ${PUSH_SECRET}` } }),
    });
    expect(created.status).toBe(201);
    const { stream_id: streamId } = (await created.json()) as { stream_id: string };
    // SSF 1.0 §8.1.4: a verification event, requested by the receiver, arrives by push and counts as contact.
    const before = guard.ssf.health.lastContact ?? 0;
    await new Promise((r) => setTimeout(r, 5));
    await guard.ssf.requestVerification({ streamId });
    await expect.poll(() => (guard.ssf.health.lastContact ?? 0) > before, { timeout: 5000, interval: 20 }).toBe(true);
    const inSession = sessionToken('bob', 'sess-2', 'e2e-2');
    expect((await call(inSession, 'Bearer')).status).toBe(200);
    tessera.events.emit('session.revoked', { sid: 'sess-2', userId: 'bob', at: new Date(), reason: 'e2e push' });
    await expect.poll(async () => (await call(inSession, 'Bearer')).status, { timeout: 5000, interval: 50 }).toBe(401);
    expect(pushed).toContain('application/secevent+jwt');
  });
});

describe('missed events against a running Tessera (issue 5 §6)', () => {
  it('a guard whose stream is stale asks the server by introspection, which refuses a JWT of a session revoked while it was not listening', async () => {
    const rs = await tessera.admin.createClient({ name: 'reports-api-introspection', grantTypes: [], resources: [API_ID] });
    // Never subscribed, never caught up: the stream counts as stale from the start.
    const offline = createGuard({ issuer, audience: API_ID, algorithms: ['ES256'], introspection: { clientId: rs.client.clientId, clientSecret: rs.clientSecret }, ssf: { audience: receiver.id, maxStaleness: 60 } });
    const now = Math.floor(Date.now() / 1000);
    const sign = (sid: string, jti: string) => tessera.keys.signer('ES256').sign(
      { iss: issuer, sub: 'carol', aud: API_ID, iat: now - 1, exp: now + 300, jti, client_id: svc.id, scope: 'reports:read', sid },
      'at+jwt',
    );
    const revoked = sign('sess-3', 'e2e-3');
    const alive = sign('sess-4', 'e2e-4');
    tessera.events.emit('session.revoked', { sid: 'sess-3', userId: 'carol', at: new Date(), reason: 'while the guard was away' });
    await expect.poll(async () => {
      try {
        await offline.verify({ headers: { authorization: `Bearer ${revoked}` }, method: 'GET', url: '/v1/reports' });
        return 'accepted';
      } catch (error) {
        return (error as { reason?: string }).reason;
      }
    }, { timeout: 5000, interval: 50 }).toBe('introspection: inactive');
    expect((await offline.verify({ headers: { authorization: `Bearer ${alive}` }, method: 'GET', url: '/v1/reports' })).subject).toBe('carol');
    expect(offline.ssf.health.stale).toBe(true);
  });
});
