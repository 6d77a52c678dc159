import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStorage, type Storage } from '@tessera/store';
import { startSession } from '../../src/accounts/index.js';
import { createEventBus, createTessera, type EventBus, type Tessera } from '../../src/index.js';
import { BACKCHANNEL_LOGOUT_EVENT, startBackchannelLogout, type BackchannelLogout, type DeliveryResult } from '../../src/logout/index.js';
import { logCapture } from '../helpers.js';

/**
 * OpenID Connect Back-Channel Logout 1.0 against a real listening receiver that verifies each logout
 * token with jose against the JWKS this server serves. The server runs on the real clock (jose checks
 * iat/exp against it).
 */
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface Received {
  path: string;
  contentType: string | undefined;
  token: string;
}

let tessera: Tessera;
let storage: Storage;
let issuer: string;
let receiver: Server;
let receiverUrl: string;
let handler: Handler;
const received: Received[] = [];

beforeAll(async () => {
  storage = createMemoryStorage();
  tessera = await createTessera({
    config: {
      issuer: 'http://127.0.0.1',
      dev: true,
      store: { kind: 'memory' },
      // Access tokens keep their ES256 default; logout tokens use the ID-token algorithm, RS256 (§2.4).
      keys: { masterKey: Buffer.alloc(32, 4) },
      server: { logLevel: 'silent', host: '127.0.0.1', port: 0 },
    },
    storage,
  });
  issuer = await tessera.listen();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'], token: new URLSearchParams(body).get('logout_token') ?? '' });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  await tessera.close();
  await storage.close();
});

let running: { bus: EventBus; logout: BackchannelLogout; logs: ReturnType<typeof logCapture>; results: DeliveryResult[] } | undefined;
afterEach(() => {
  running?.logout.close();
  running = undefined;
  received.length = 0;
});

/** A back-channel logout on its own event bus, with the server's keys and storage (the issuer is whatever the JWKS is served under). */
function start(options: { attempts?: number; timeoutMs?: number; backoffMs?: number; maxConcurrent?: number } = {}) {
  const logs = logCapture();
  const results: DeliveryResult[] = [];
  const bus = createEventBus(() => undefined);
  const logout = startBackchannelLogout({
    issuer,
    storage,
    keys: tessera.keys,
    events: bus,
    log: pino({ level: 'info' }, logs.stream),
    backoffMs: 5,
    onResult: (r) => void results.push(r),
    ...options,
  });
  running = { bus, logout, logs, results };
  return running;
}

let n = 0;
async function clientWith(metadata: Record<string, unknown>) {
  const client = await tessera.admin.createClientWithoutSecret({
    name: `rp${++n}`,
    authMethod: 'none',
    grantTypes: [],
    redirectUris: ['https://rp.example/cb'],
    metadata,
  } as Parameters<Tessera['admin']['createClientWithoutSecret']>[0]);
  return client.clientId;
}

async function userWithGrants(clientIds: string[]) {
  const user = await tessera.admin.users.create({ username: `user${++n}`, password: 'a long password' });
  for (const clientId of clientIds) {
    const at = new Date();
    await storage.grants.create({ v: 1, id: `grant-${++n}`, userId: user.id, clientId, scope: ['openid'], resources: [], createdAt: at, updatedAt: at, revokedAt: null });
  }
  return user.id;
}

/** Record `clientIds` as signed in within `sid`, as the authorization endpoint and the device page do. */
async function signInto(sid: string, clientIds: string[]) {
  for (const clientId of clientIds) await storage.sessions.addClient(sid, clientId, new Date());
}

/** A user with grants for `clientIds`, all of them signed in within one fresh session. */
async function userSignedIn(clientIds: string[]) {
  const userId = await userWithGrants(clientIds);
  const sid = `sid-${++n}`;
  await signInto(sid, clientIds);
  return { userId, sid };
}

/** Verify as an RP would; `iss` defaults to the issuer given to this test's own back-channel logout. */
async function verify(token: string, clientId: string, expectedIssuer = issuer): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks.json`));
  const { payload } = await jwtVerify(token, jwks, { issuer: expectedIssuer, audience: clientId, typ: 'logout+jwt', algorithms: ['RS256'] });
  return payload;
}

const ok: Handler = (_req, res) => res.writeHead(200, { 'cache-control': 'no-store' }).end();

describe('OpenID Connect Back-Channel Logout 1.0', () => {
  it('§2.5: on session.revoked, POSTs a logout token (form-encoded) to each client with a logout URI signed in within that session', async () => {
    handler = ok;
    const { bus, logout } = start();
    const a = await clientWith({ backchannel_logout_uri: `${receiverUrl}/a?tenant=1` });
    const b = await clientWith({ backchannel_logout_uri: `${receiverUrl}/b` });
    const silent = await clientWith({});
    const unrelated = await clientWith({ backchannel_logout_uri: `${receiverUrl}/unrelated` });
    const userId = await userWithGrants([a, b, silent]);
    await signInto('sid-1', [a, b, silent]);
    await userSignedIn([unrelated]);

    await bus.emit('session.revoked', { sid: 'sid-1', userId, at: new Date(), reason: 'logout' });
    await logout.idle();

    expect(received.map((r) => r.path).sort()).toEqual(['/a?tenant=1', '/b']);
    for (const r of received) expect(r.contentType).toBe('application/x-www-form-urlencoded');
    const byPath = Object.fromEntries(received.map((r) => [r.path, r.token]));
    const claims = await verify(byPath['/a?tenant=1']!, a);
    expect(claims).toMatchObject({ iss: issuer, aud: a, sub: userId, sid: 'sid-1', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } });
    expect(typeof claims.jti).toBe('string');
    await expect(verify(byPath['/b']!, b)).resolves.toMatchObject({ aud: b, sid: 'sid-1' });
  });

  it('§2.4: a logout token has typ logout+jwt, a short exp, a unique jti, and never a nonce', async () => {
    handler = ok;
    const { bus, logout } = start();
    const a = await clientWith({ backchannel_logout_uri: `${receiverUrl}/a` });
    const userId = await userWithGrants([a]);
    await signInto('s1', [a]);
    await signInto('s2', [a]);
    await bus.emit('session.revoked', { sid: 's1', userId, at: new Date(), reason: 'logout' });
    await bus.emit('session.revoked', { sid: 's2', userId, at: new Date(), reason: 'logout' });
    await logout.idle();
    expect(received).toHaveLength(2);
    const [first, second] = await Promise.all(received.map((r) => verify(r.token, a)));
    expect(decodeProtectedHeader(received[0]!.token)).toMatchObject({ typ: 'logout+jwt', alg: 'RS256', kid: expect.any(String) });
    expect(first!.exp! - first!.iat!).toBeLessThanOrEqual(120);
    expect(first!.exp! - first!.iat!).toBeGreaterThan(0);
    expect(first).not.toHaveProperty('nonce');
    expect(first!.jti).not.toBe(second!.jti);
  });

  it('§2.4: the logout token is signed like the client’s ID tokens (id_token_signed_response_alg ES256)', async () => {
    handler = ok;
    const { bus, logout } = start();
    const a = await clientWith({ backchannel_logout_uri: `${receiverUrl}/es`, id_token_signed_response_alg: 'ES256' });
    const { userId, sid } = await userSignedIn([a]);
    await bus.emit('session.revoked', { sid, userId, at: new Date(), reason: 'logout' });
    await logout.idle();
    expect(decodeProtectedHeader(received[0]!.token)).toMatchObject({ alg: 'ES256', typ: 'logout+jwt' });
    const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks.json`));
    await expect(jwtVerify(received[0]!.token, jwks, { issuer, audience: a, typ: 'logout+jwt', algorithms: ['ES256'] })).resolves.toBeDefined();
  });

  it('§2.3: a client with a live grant of the user that was not signed in within the ended session gets no logout token', async () => {
    handler = ok;
    const { bus, logout, results } = start();
    const inSession = await clientWith({ backchannel_logout_uri: `${receiverUrl}/in-session` });
    const otherSession = await clientWith({ backchannel_logout_uri: `${receiverUrl}/other-session` });
    const grantOnly = await clientWith({ backchannel_logout_uri: `${receiverUrl}/grant-only` });
    const userId = await userWithGrants([inSession, otherSession, grantOnly]);
    await signInto('ended', [inSession]);
    await signInto('still-live', [otherSession]);
    await bus.emit('session.revoked', { sid: 'ended', userId, at: new Date(), reason: 'logout' });
    await logout.idle();
    expect(received.map((r) => r.path)).toEqual(['/in-session']);
    expect(results.map((r) => r.clientId)).toEqual([inSession]);
  });

  it('§2.3: a client signed in within the session is told even after its grant was revoked (its own session came from the ID token)', async () => {
    handler = ok;
    const { bus, logout } = start();
    const a = await clientWith({ backchannel_logout_uri: `${receiverUrl}/revoked` });
    const { userId, sid } = await userSignedIn([a]);
    for (const grant of await storage.grants.listByUser(userId)) await storage.grants.revoke(grant.id, new Date());
    await bus.emit('session.revoked', { sid, userId, at: new Date(), reason: 'logout' });
    await logout.idle();
    await expect(verify(received[0]!.token, a)).resolves.toMatchObject({ sub: userId, sid });
  });

  it('RFC 8725 §3.12: a logout token is not accepted where an ID token (typ JWT) is expected', async () => {
    handler = ok;
    const { bus, logout } = start();
    const a = await clientWith({ backchannel_logout_uri: `${receiverUrl}/a` });
    const { userId, sid } = await userSignedIn([a]);
    await bus.emit('session.revoked', { sid, userId, at: new Date(), reason: 'logout' });
    await logout.idle();
    const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks.json`));
    await expect(jwtVerify(received[0]!.token, jwks, { issuer, audience: a, typ: 'JWT' })).rejects.toThrow(/typ/);
  });

  it('§2.2: on user.disabled, a client requiring sid gets one token per session; others one token without sid (all sessions)', async () => {
    handler = ok;
    const { bus, logout } = start();
    const needsSid = await clientWith({ backchannel_logout_uri: `${receiverUrl}/sid`, backchannel_logout_session_required: true });
    const anySession = await clientWith({ backchannel_logout_uri: `${receiverUrl}/sub` });
    const userId = await userWithGrants([needsSid, anySession]);
    await bus.emit('user.disabled', { userId, sids: ['s1', 's2'], at: new Date() });
    await logout.idle();
    const sidTokens = await Promise.all(received.filter((r) => r.path === '/sid').map((r) => verify(r.token, needsSid)));
    expect(sidTokens.map((c) => c.sid).sort()).toEqual(['s1', 's2']);
    const subTokens = await Promise.all(received.filter((r) => r.path === '/sub').map((r) => verify(r.token, anySession)));
    expect(subTokens).toHaveLength(1);
    expect(subTokens[0]).toMatchObject({ sub: userId });
    expect(subTokens[0]).not.toHaveProperty('sid');
  });

  it('§2.1: discovery advertises backchannel_logout_supported and backchannel_logout_session_supported', async () => {
    const metadata = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ backchannel_logout_supported: true, backchannel_logout_session_supported: true });
  });

  it('disabling a user through tessera.admin reaches the back-channel logout of the running server', async () => {
    handler = ok;
    const a = await clientWith({ backchannel_logout_uri: `${receiverUrl}/server`, backchannel_logout_session_required: true });
    const userId = await userWithGrants([a]);
    const session = startSession({ userId, amr: ['pwd'], now: new Date() });
    await storage.sessions.create(session.record);
    await tessera.admin.users.disable(userId);
    // Delivery runs in the background: wait for the receiver rather than for the server.
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(1);
    await expect(verify(received[0]!.token, a, tessera.config.issuer)).resolves.toMatchObject({ sub: userId, sid: session.record.sid });
  });
});

describe('back-channel logout delivery', () => {
  it('never blocks the event that caused it: emit resolves while the receiver is still holding the request', async () => {
    let release: (() => void) | undefined;
    const arrived = new Promise<void>((resolve) => {
      handler = (_req, res) => {
        release = () => res.writeHead(200).end();
        resolve();
      };
    });
    const { bus, logout } = start();
    const a = await clientWith({ backchannel_logout_uri: `${receiverUrl}/slow` });
    const { userId, sid } = await userSignedIn([a]);
    await bus.emit('session.revoked', { sid, userId, at: new Date(), reason: 'logout' });
    await arrived;
    expect(release).toBeDefined();
    release!();
    await logout.idle();
    expect(running!.logs.text()).toContain('back-channel logout delivered');
  });

  it('keeps at most maxConcurrent logout POSTs in flight, and still delivers them all', async () => {
    let inFlight = 0;
    let most = 0;
    handler = (_req, res) => {
      most = Math.max(most, ++inFlight);
      // Hold each request a little, so that without a limit all four would overlap.
      setTimeout(() => {
        inFlight--;
        res.writeHead(200).end();
      }, 30);
    };
    const { bus, logout, results } = start({ maxConcurrent: 2 });
    const clients = await Promise.all([1, 2, 3, 4].map((i) => clientWith({ backchannel_logout_uri: `${receiverUrl}/many${i}` })));
    const { userId, sid } = await userSignedIn(clients);
    await bus.emit('session.revoked', { sid, userId, at: new Date(), reason: 'logout' });
    await logout.idle();
    expect(received).toHaveLength(4);
    expect(results.every((r) => r.delivered)).toBe(true);
    expect(most).toBe(2);
  });

  it('retries 5xx answers with backoff and a fresh token each time, then logs the delivery', async () => {
    let calls = 0;
    handler = (_req, res) => res.writeHead(++calls < 3 ? 503 : 200).end();
    const { bus, logout, logs, results } = start({ attempts: 4 });
    const a = await clientWith({ backchannel_logout_uri: `${receiverUrl}/flaky` });
    const { userId, sid } = await userSignedIn([a]);
    await bus.emit('session.revoked', { sid, userId, at: new Date(), reason: 'logout' });
    await logout.idle();
    expect(received).toHaveLength(3);
    const jtis = await Promise.all(received.map(async (r) => (await verify(r.token, a)).jti));
    expect(new Set(jtis).size).toBe(3);
    expect(logs.text().match(/will retry/g)).toHaveLength(2);
    expect(logs.text()).toContain('"outcome":"HTTP 503"');
    expect(logs.text()).toContain('back-channel logout delivered');
    expect(results).toEqual([{ clientId: a, sid, delivered: true, attempts: 3, outcome: 'HTTP 200' }]);
  });

  it('§2.8: a 400 from the RP is final (no retry); giving up is logged', async () => {
    handler = (_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_request"}');
    const { bus, logout, logs, results } = start({ attempts: 4 });
    const a = await clientWith({ backchannel_logout_uri: `${receiverUrl}/refuses` });
    const { userId, sid } = await userSignedIn([a]);
    await bus.emit('session.revoked', { sid, userId, at: new Date(), reason: 'logout' });
    await logout.idle();
    expect(received).toHaveLength(1);
    expect(logs.text()).toMatch(/"outcome":"HTTP 400".*giving up/);
    expect(results).toEqual([{ clientId: a, sid, delivered: false, attempts: 1, outcome: 'HTTP 400' }]);
  });

  it('gives up after the last attempt when the RP never answers (per-attempt timeout)', async () => {
    handler = () => undefined; // holds every request open
    const { bus, logout, logs } = start({ attempts: 2, timeoutMs: 150 });
    const a = await clientWith({ backchannel_logout_uri: `${receiverUrl}/hangs` });
    const { userId, sid } = await userSignedIn([a]);
    await bus.emit('session.revoked', { sid, userId, at: new Date(), reason: 'logout' });
    await logout.idle();
    expect(received).toHaveLength(2);
    expect(logs.text()).toMatch(/"outcome":"no answer within 150 ms".*giving up/);
  });

  it('does not follow a redirect from the logout URI', async () => {
    handler = (req, res) => (req.url === '/moved' ? res.writeHead(307, { location: `${receiverUrl}/elsewhere` }).end() : res.writeHead(200).end());
    const { bus, logout, logs } = start();
    const a = await clientWith({ backchannel_logout_uri: `${receiverUrl}/moved` });
    const { userId, sid } = await userSignedIn([a]);
    await bus.emit('session.revoked', { sid, userId, at: new Date(), reason: 'logout' });
    await logout.idle();
    expect(received.map((r) => r.path)).toEqual(['/moved']);
    expect(logs.text()).toMatch(/"outcome":"HTTP 307".*giving up/);
  });

  it('logs carry the client and the URI without its query, never the logout token', async () => {
    handler = (_req, res) => res.writeHead(500).end();
    const { bus, logout, logs } = start({ attempts: 2 });
    const a = await clientWith({ backchannel_logout_uri: `${receiverUrl}/q?secret=abc` });
    const { userId, sid } = await userSignedIn([a]);
    await bus.emit('session.revoked', { sid, userId, at: new Date(), reason: 'logout' });
    await logout.idle();
    const text = logs.text();
    expect(text).toContain(`"client_id":"${a}"`);
    expect(text).toContain(`"uri":"${receiverUrl}/q"`);
    expect(text).not.toContain('secret=abc');
    for (const r of received) expect(text).not.toContain(r.token.split('.')[2]);
  });

  it('a network failure is retried, and an unreachable RP does not fail anything else', async () => {
    handler = ok;
    const { bus, logout, logs } = start({ attempts: 2 });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const dead = await clientWith({ backchannel_logout_uri: `http://127.0.0.1:${deadPort}/gone` });
    const alive = await clientWith({ backchannel_logout_uri: `${receiverUrl}/alive` });
    const { userId, sid } = await userSignedIn([dead, alive]);
    await bus.emit('session.revoked', { sid, userId, at: new Date(), reason: 'logout' });
    await logout.idle();
    expect(received.map((r) => r.path)).toEqual(['/alive']);
    expect(logs.text()).toMatch(/"outcome":"network error ECONNREFUSED".*will retry/);
    expect(logs.text()).toMatch(/ECONNREFUSED.*giving up/);
  });
});
