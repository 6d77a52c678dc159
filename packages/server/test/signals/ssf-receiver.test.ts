import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createMemoryStorage, type Storage } from '@tessera/store';
import { createTessera, type Tessera } from '../../src/index.js';
import type { ServerEvents } from '../../src/events/bus.js';
import { frozenClock, ISSUER, logCapture } from '../helpers.js';
import { publicJwk } from './fixture.js';

const TRANSMITTER = 'https://uem.example.com';
const AUDIENCE = 'https://tessera.example.com/ssf';
const EVENT = 'https://schemas.openid.net/secevent/caep/event-type/device-compliance-change';

/** The transmitter: its signing keys and a real JWKS endpoint that counts its fetches. */
const keys: { kid: string; privateKey: CryptoKey; jwk: Record<string, unknown> }[] = [];
let jwksServer: Server;
let jwksUrl: string;
let jwksFetches = 0;

async function addKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const k = { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
  keys.push(k);
  return k;
}

let tessera: Tessera;
let storage: Storage;
const clock = frozenClock();
const logs = logCapture();
const changes: ServerEvents['device.compliance_changed'][] = [];
let deviceId: string;
let jtis = 0;

beforeAll(async () => {
  await addKey('k1');
  jwksServer = createServer((_req, res) => {
    jwksFetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/jwks`;
  storage = createMemoryStorage({ now: clock.now });
  const receiver = { issuer: TRANSMITTER, jwksUri: jwksUrl, audience: AUDIENCE, jwksRefetchCooldown: 30 };
  tessera = await createTessera({
    config: {
      issuer: ISSUER, dev: true, store: { kind: 'memory' }, keys: { masterKey: Buffer.alloc(32, 7) },
      devices: { ssfReceivers: { uemcorp: receiver, locked: { ...receiver, authorization: 'Bearer push-secret-0123456789' }, down: { ...receiver, jwksUri: 'http://127.0.0.1:9/jwks' } } },
    },
    storage,
    now: clock.now,
    logStream: logs.stream,
  });
  tessera.events.on('device.compliance_changed', (e) => void changes.push(e));
});
afterAll(async () => {
  await tessera.close();
  await storage.close();
  await new Promise((r) => jwksServer.close(r));
});
beforeEach(async () => {
  deviceId = (await tessera.admin.devices.enrol({ platform: 'ios', osVersion: '17.4', uem: 'uemcorp', displayName: 'iPhone', keys: [publicJwk()] })).id;
  changes.length = 0;
});

const nowSeconds = () => Math.floor(clock.now() / 1000);

interface SetOptions {
  status?: 'compliant' | 'not-compliant';
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  key?: { kid: string; privateKey: CryptoKey };
  subject?: unknown;
  eventTimestamp?: number;
}

async function set(o: SetOptions = {}): Promise<string> {
  const key = o.key ?? keys[0]!;
  return new SignJWT({
    iss: TRANSMITTER, aud: AUDIENCE, iat: nowSeconds(), jti: `jti-${++jtis}`,
    sub_id: o.subject ?? { format: 'opaque', id: deviceId },
    events: { [EVENT]: { current_status: o.status ?? 'not-compliant', previous_status: 'compliant', event_timestamp: o.eventTimestamp ?? nowSeconds() } },
    ...o.claims,
  }).setProtectedHeader({ alg: 'ES256', typ: 'secevent+jwt', kid: key.kid, ...o.header }).sign(key.privateKey);
}

function push(token: string, o: { source?: string; contentType?: string; authorization?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': o.contentType ?? 'application/secevent+jwt' };
  if (o.authorization) headers.authorization = o.authorization;
  return tessera.app.inject({ method: 'POST', url: `/ssf/receive/${o.source ?? 'uemcorp'}`, headers, payload: token });
}

async function nothingStored(): Promise<void> {
  const device = await storage.devices.get(deviceId);
  expect(device?.posture).toBeNull();
  expect(device?.compliance).toBeNull();
  expect(await storage.devices.history(deviceId, 10)).toEqual([]);
  expect(changes).toEqual([]);
}

describe('POST /ssf/receive/:source (RFC 8935 push, CAEP device-compliance-change)', () => {
  it('a valid SET is 202; "compliant" then "not-compliant" flip the device and each flip is announced', async () => {
    const a = await push(await set({ status: 'compliant', eventTimestamp: nowSeconds() - 10 }));
    expect(a.statusCode).toBe(202);
    expect((await storage.devices.get(deviceId))?.compliance).toMatchObject({ compliant: true, reasons: [] });
    const b = await push(await set({ status: 'not-compliant' }));
    expect(b.statusCode).toBe(202);
    expect((await storage.devices.get(deviceId))?.compliance).toMatchObject({ compliant: false, reasons: ['transmitter_not_compliant'] });
    expect(changes.map((c) => c.current)).toEqual(['compliant', 'not-compliant']);
    const view = await tessera.admin.devices.get(deviceId);
    expect(view?.compliance?.reasons[0]?.remediation).toMatch(/device management app/);
  });

  it('a complex subject naming the device (SSF 1.0) is understood', async () => {
    const res = await push(await set({ status: 'compliant', subject: { format: 'complex', device: { format: 'opaque', id: deviceId } } }));
    expect(res.statusCode).toBe(202);
    expect((await storage.devices.get(deviceId))?.compliance?.compliant).toBe(true);
  });

  it('a replayed jti is accepted (202) but applied once: one history entry, one event', async () => {
    const token = await set({ status: 'compliant' });
    expect((await push(token)).statusCode).toBe(202);
    clock.advance(1);
    expect((await push(token)).statusCode).toBe(202);
    expect(await storage.devices.history(deviceId, 10)).toHaveLength(1);
    expect(changes).toHaveLength(1);
  });

  it('an event older than the stored posture is accepted but does not overwrite it', async () => {
    await push(await set({ status: 'not-compliant', eventTimestamp: nowSeconds() }));
    expect((await push(await set({ status: 'compliant', eventTimestamp: nowSeconds() - 100 }))).statusCode).toBe(202);
    expect((await storage.devices.get(deviceId))?.compliance?.compliant).toBe(false);
  });

  const refused: [string, () => Promise<string>, number, string][] = [
    ['a signature by another key under a known kid', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      return set({ key: { kid: 'k1', privateKey } });
    }, 400, 'invalid_key'],
    ['the wrong audience', () => set({ claims: { aud: 'https://someone-else.example.com' } }), 400, 'invalid_audience'],
    ['the wrong issuer', () => set({ claims: { iss: 'https://evil.example.com' } }), 400, 'invalid_issuer'],
    ['typ JWT instead of secevent+jwt', () => set({ header: { typ: 'JWT' } }), 400, 'invalid_request'],
    ['typ at+jwt (another JWT kind)', () => set({ header: { typ: 'at+jwt' } }), 400, 'invalid_request'],
    ['alg none', async () => {
      const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return `${enc({ alg: 'none', typ: 'secevent+jwt' })}.${enc({ iss: TRANSMITTER, aud: AUDIENCE, iat: nowSeconds(), jti: 'none-1', sub_id: { format: 'opaque', id: deviceId }, events: { [EVENT]: { current_status: 'compliant' } } })}.`;
    }, 400, 'invalid_key'],
    ['HS256 keyed with the public key (algorithm confusion)', async () => {
      return new SignJWT({ iss: TRANSMITTER, aud: AUDIENCE, iat: nowSeconds(), jti: 'hs-1', sub_id: { format: 'opaque', id: deviceId }, events: { [EVENT]: { current_status: 'compliant' } } })
        .setProtectedHeader({ alg: 'HS256', typ: 'secevent+jwt', kid: 'k1' }).sign(new TextEncoder().encode(JSON.stringify(keys[0]!.jwk)));
    }, 400, 'invalid_key'],
    ['an iat older than maxAge (300 s) plus the clock tolerance (60 s)', () => set({ claims: { iat: nowSeconds() - 361 } }), 400, 'invalid_request'],
    ['an iat in the future', () => set({ claims: { iat: nowSeconds() + 600 } }), 400, 'invalid_request'],
    ['no jti', () => set({ claims: { jti: undefined } }), 400, 'invalid_request'],
    ['a jku header (a key chosen by the token)', () => set({ header: { jku: 'https://evil.example.com/jwks' } }), 400, 'invalid_key'],
    ['an unknown device', () => set({ subject: { format: 'opaque', id: 'dev_unknown' } }), 400, 'invalid_request'],
    ['a subject that is not a device', () => set({ subject: { format: 'email', email: 'a@example.com' } }), 400, 'invalid_request'],
    ['a bad current_status', async () => set({ claims: { events: { [EVENT]: { current_status: 'fine' } } } }), 400, 'invalid_request'],
    ['no events', () => set({ claims: { events: undefined } }), 400, 'invalid_request'],
    ['an event_timestamp in the future', () => set({ eventTimestamp: nowSeconds() + 3600 }), 400, 'invalid_request'],
    ['not a JWS at all', async () => 'hello', 400, 'invalid_request'],
  ];
  it.each(refused)('%s is refused with an RFC 8935 error and stores nothing', async (_label, make, status, err) => {
    const res = await push(await make());
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ err });
    await nothingStored();
  });

  it('an unknown kid fetches the JWKS again once, then not again within the cooldown', async () => {
    await push(await set({ status: 'compliant' })); // the JWKS is cached from here on
    const before = jwksFetches;
    const { privateKey } = await generateKeyPair('ES256');
    expect((await push(await set({ key: { kid: 'forged-1', privateKey } }))).json()).toMatchObject({ err: 'invalid_key' });
    expect(jwksFetches).toBe(before + 1);
    expect((await push(await set({ key: { kid: 'forged-2', privateKey } }))).json()).toMatchObject({ err: 'invalid_key' });
    expect(jwksFetches).toBe(before + 1);
  });

  it('a key the transmitter rotated in is picked up by the refetch (after the cooldown)', async () => {
    clock.advance(31);
    const k2 = await addKey(`k2-${jtis}`);
    const res = await push(await set({ status: 'compliant', key: k2 }));
    expect(res.statusCode).toBe(202);
    expect((await storage.devices.get(deviceId))?.compliance?.compliant).toBe(true);
  });

  it('a Content-Type other than application/secevent+jwt is 415', async () => {
    const res = await push(await set(), { contentType: 'application/jwt' });
    expect(res.statusCode).toBe(415);
    await nothingStored();
  });

  it.each([['application/secevent+jwtx'], ['application/seceventtjwt'], ['application/secevent+jwt+json']])('RFC 8935 §2: Content-Type %s is not application/secevent+jwt: 415', async (contentType) => {
    const res = await push(await set(), { contentType });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ err: 'invalid_request' });
    await nothingStored();
  });

  it('RFC 8935 §2: application/secevent+jwt with a parameter, in any case, is accepted', async () => {
    expect((await push(await set(), { contentType: 'Application/SecEvent+JWT; charset=utf-8' })).statusCode).toBe(202);
  });

  it('a source with no configured transmitter is 400 invalid_issuer', async () => {
    const res = await push(await set(), { source: 'nobody' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ err: 'invalid_issuer' });
    await nothingStored();
  });

  it('when the stream has an authorization header, a push without it or with another is 401', async () => {
    deviceId = (await tessera.admin.devices.enrol({ platform: 'ios', osVersion: '17.4', uem: 'locked', displayName: 'iPhone', keys: [publicJwk()] })).id;
    expect((await push(await set(), { source: 'locked' })).statusCode).toBe(401);
    expect((await push(await set(), { source: 'locked', authorization: 'Bearer wrong-wrong-wrong-wrong' })).json()).toEqual({ err: 'authentication_failed' });
    await nothingStored();
    expect((await push(await set({ status: 'compliant' }), { source: 'locked', authorization: 'Bearer push-secret-0123456789' })).statusCode).toBe(202);
  });

  it('a transmitter cannot speak for a device enrolled under another source: 400 access_denied', async () => {
    const res = await push(await set({ status: 'compliant' }), { source: 'locked', authorization: 'Bearer push-secret-0123456789' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ err: 'access_denied' });
    await nothingStored();
  });

  it('a transmitter whose JWKS cannot be fetched gets 503 with Retry-After (it retries), and nothing is stored', async () => {
    const res = await push(await set({ status: 'compliant' }), { source: 'down' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toEqual({ err: 'temporarily_unavailable' });
    await nothingStored();
  });

  it('every refusal is logged with its reason', async () => {
    await push(await set({ claims: { aud: 'https://x.example.com' } }));
    expect(logs.text()).toMatch(/"signal":"ssf".*"reason":"wrong_audience"/);
  });
});
