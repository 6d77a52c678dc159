import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ServerEvents } from '../../src/events/bus.js';
import { rejection } from '../helpers.js';
import { publicJwk, signalSetup, type SignalFixture } from '../signals/fixture.js';

let f: SignalFixture;
const deleted: ServerEvents['device.deleted'][] = [];
beforeAll(async () => {
  f = await signalSetup({ maxReportAge: 3600 });
  f.tessera.events.on('device.deleted', (e) => void deleted.push(e));
});
beforeEach(async () => {
  await f.freshDevice();
  deleted.length = 0;
});
afterAll(async () => {
  await f.close();
});

const generate = generateKeyPairSync as unknown as (type: string, options: object) => { publicKey: KeyObject };
const jwk = (type: 'ec' | 'rsa' | 'ed25519' | 'x25519', options: Record<string, unknown> = {}): Record<string, string> =>
  generate(type, options).publicKey.export({ format: 'jwk' }) as Record<string, string>;
const enrol = (keys: unknown[], extra: Record<string, unknown> = {}) =>
  f.tessera.admin.devices.enrol({ platform: 'android', osVersion: '14', uem: 'hexnode', displayName: 'Pixel', keys, ...extra });

describe('device enrolment', () => {
  it('accepts EC P-256, Ed25519 and RSA-2048 public keys, storing only their key-defining members and RFC 7638 thumbprints', async () => {
    const ec: Record<string, string> = { ...jwk('ec', { namedCurve: 'P-256' }), kid: 'x', use: 'sig' };
    const device = await enrol([ec, jwk('ed25519'), jwk('rsa', { modulusLength: 2048 })]);
    expect(device.keys).toHaveLength(3);
    expect(Object.keys(device.keys[0]!.jwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    const { jwkThumbprint } = await import('@tessera/token');
    expect(device.keys[0]!.jkt).toBe(jwkThumbprint({ crv: ec.crv, kty: ec.kty, x: ec.x, y: ec.y }));
    expect((await f.storage.devices.findByKeyThumbprint(device.keys[2]!.jkt))?.id).toBe(device.id);
  });

  it.each([
    ['a private EC key (member d)', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), /private member "d"/],
    ['a private Ed25519 key', () => generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }), /private member "d"/],
    ['a symmetric key (kty oct, member k)', () => ({ kty: 'oct', k: 'c2VjcmV0' }), /private member "k"/],
    ['an EC key on P-384', () => jwk('ec', { namedCurve: 'P-384' }), /P-256/],
    ['an X25519 (encryption) key', () => jwk('x25519'), /Ed25519/],
    ['a 1024-bit RSA key', () => jwk('rsa', { modulusLength: 1024 }), /2048 bits/],
    ['an EC point that is not on the curve', () => ({ ...jwk('ec', { namedCurve: 'P-256' }), y: Buffer.alloc(32, 1).toString('base64url') }), /not a valid public key/],
    ['a key for encryption (use enc)', () => ({ ...jwk('ed25519'), use: 'enc' }), /"use" must be "sig"/],
    ['a key missing x', () => ({ kty: 'OKP', crv: 'Ed25519' }), /lacks "x"/],
    ['not an object', () => 'a-key', /JWK object/],
  ])('refuses %s and stores nothing', async (_label, make, message) => {
    const before = (await f.storage.devices.list({ limit: 1000 })).devices.length;
    expect(await rejection(enrol([make()]))).toMatch(message);
    expect((await f.storage.devices.list({ limit: 1000 })).devices).toHaveLength(before);
  });

  it('refuses a key already registered to another device, an unknown user, a taken id, unknown fields', async () => {
    const key = publicJwk();
    await enrol([key]);
    expect(await rejection(enrol([key]))).toMatch(/already registered/);
    expect(await rejection(enrol([], { userId: 'u_nobody' }))).toMatch(/does not exist/);
    await enrol([], { id: 'uem-42' });
    expect(await rejection(enrol([], { id: 'uem-42' }))).toMatch(/already exists/);
    expect(await rejection(enrol([], { id: '../etc' }))).toMatch(/id/);
    expect(await rejection(enrol([], { color: 'red' }))).toMatch(/color/);
    expect(await rejection(enrol([], { platform: 'beos' }))).toMatch(/platform/);
  });

  it('addKey / removeKey; the removed thumbprint no longer finds the device', async () => {
    const device = await enrol([]);
    const added = await f.tessera.admin.devices.addKey(device.id, publicJwk());
    const jkt = added!.keys[0]!.jkt;
    expect((await f.storage.devices.findByKeyThumbprint(jkt))?.id).toBe(device.id);
    expect(await rejection(f.tessera.admin.devices.addKey(device.id, { kty: 'RSA', n: 'AQAB', e: 'AQAB' }))).toMatch(/2048|valid/);
    expect((await f.tessera.admin.devices.removeKey(device.id, jkt))?.keys).toEqual([]);
    expect(await f.storage.devices.findByKeyThumbprint(jkt)).toBeUndefined();
    expect(await f.tessera.admin.devices.addKey('nope', publicJwk())).toBeUndefined();
  });
});

describe('compliance through the registry', () => {
  it('show: posture, verdict and every reason with message and remediation text', async () => {
    await f.post(f.report({ diskEncrypted: false, jailbroken: true, osVersion: '12.0' }));
    const view = await f.tessera.admin.devices.get(f.deviceId);
    expect(view?.compliance?.compliant).toBe(false);
    expect(view?.compliance?.reasons.map((r) => r.code)).toEqual(['disk_not_encrypted', 'os_outdated']);
    for (const r of view!.compliance!.reasons) expect(r.remediation.length).toBeGreaterThan(10);
    expect(view?.posture?.signals).toMatchObject({ diskEncrypted: false, jailbroken: true });
  });

  it('the freshness sweep turns a device that stopped reporting non-compliant (report_stale) and announces it once', async () => {
    await f.post(f.report());
    expect(f.changes.map((c) => c.current)).toEqual(['compliant']);
    f.clock.advance(3599);
    expect(await f.tessera.devices.sweep()).toBe(0);
    f.clock.advance(2);
    expect(await f.tessera.devices.sweep()).toBeGreaterThanOrEqual(1);
    expect((await f.storage.devices.get(f.deviceId))?.compliance).toMatchObject({ compliant: false, reasons: ['report_stale'] });
    expect(await f.tessera.devices.sweep()).toBe(0);
    expect(f.changes.filter((c) => c.deviceId === f.deviceId).map((c) => [c.current, c.reasons])).toEqual([
      ['compliant', []], ['not-compliant', ['report_stale']],
    ]);
    // A fresh report makes it compliant again.
    await f.post(f.report());
    expect((await f.storage.devices.get(f.deviceId))?.compliance?.compliant).toBe(true);
  });

  it('ten concurrent re-evaluations of one flip emit exactly one event', async () => {
    await f.post(f.report());
    f.changes.length = 0;
    f.clock.advance(1);
    // The posture goes bad behind the registry's back (as if another node stored it), then everyone evaluates.
    await f.storage.devices.recordPosture(f.deviceId, { eventId: 'behind', source: 'hexnode', reportedAt: new Date(f.clock.now()), signals: { diskEncrypted: false, passcodeCompliant: true, jailbroken: false, managed: true, osVersion: '14.5' } }, new Date(f.clock.now()));
    f.clock.advance(1);
    expect((await f.storage.devices.get(f.deviceId))?.posture?.eventId).toBe('behind');
    const results = await Promise.all(Array.from({ length: 10 }, () => f.tessera.devices.reevaluate(f.deviceId)));
    expect(results.filter((r) => r?.changed)).toHaveLength(1);
    expect(f.changes).toHaveLength(1);
    expect(f.changes[0]).toMatchObject({ previous: 'compliant', current: 'not-compliant', reasons: ['disk_not_encrypted'] });
  });

  it('a posture stored without its verdict (crash between the writes) is evaluated when the sender retries the same event', async () => {
    await f.post(f.report());
    f.clock.advance(1);
    const body = f.report({ diskEncrypted: false });
    // The first delivery stored the posture and stopped before evaluating it.
    await f.storage.devices.recordPosture(f.deviceId, { eventId: body.eventId as string, source: 'hexnode', reportedAt: new Date(body.reportedAt as string),
      signals: { diskEncrypted: false, passcodeCompliant: true, jailbroken: false, managed: true, osVersion: '14.5' } }, new Date(f.clock.now()));
    expect((await f.storage.devices.get(f.deviceId))?.compliance?.compliant).toBe(true);
    f.clock.advance(1);
    const retry = await f.post(body);
    expect(retry.json()).toEqual({ status: 'duplicate' });
    expect((await f.storage.devices.get(f.deviceId))?.compliance).toMatchObject({ compliant: false, reasons: ['disk_not_encrypted'] });
    expect(f.changes.map((c) => c.current)).toEqual(['compliant', 'not-compliant']);
  });

  it('a change of reasons without a flip is stored but not announced', async () => {
    await f.post(f.report({ diskEncrypted: false }));
    f.clock.advance(1);
    await f.post(f.report({ diskEncrypted: false, passcodeCompliant: false }));
    expect((await f.storage.devices.get(f.deviceId))?.compliance?.reasons).toEqual(['disk_not_encrypted', 'passcode_not_compliant']);
    expect(f.changes).toEqual([]);
  });

  it('delete removes the device and emits device.deleted; deleting again is false and silent', async () => {
    await f.post(f.report());
    expect(await f.tessera.admin.devices.delete(f.deviceId)).toBe(true);
    expect(deleted).toEqual([{ deviceId: f.deviceId, userId: null, at: new Date(f.clock.now()) }]);
    expect(await f.tessera.admin.devices.delete(f.deviceId)).toBe(false);
    expect(deleted).toHaveLength(1);
    expect(await f.tessera.admin.devices.history(f.deviceId)).toEqual([]);
  });

  it('history lists applied reports newest first', async () => {
    const a = f.report({}, 20);
    const b = f.report({ diskEncrypted: false }, 10);
    await f.post(a);
    await f.post(b);
    expect((await f.tessera.admin.devices.history(f.deviceId)).map((h) => h.eventId)).toEqual([b.eventId, a.eventId]);
  });
});

describe('tokens per device', () => {
  it('admin.devices.tokens lists the stored tokens bound to the device, newest first, without their hashes', async () => {
    const base = { v: 1 as const, clientId: 'c1', subject: 'u1', audience: ['https://api.example.com'], scope: ['read'], grantId: 'g1', jkt: 'k',
      sessionId: 's1', claims: {}, expiresAt: new Date(f.clock.now() + 3_600_000), revokedAt: null };
    await f.storage.tokens.put({ ...base, hash: 'h-old', kind: 'refresh_token', jti: 'old', deviceId: f.deviceId, issuedAt: new Date(f.clock.now() - 1000) });
    await f.storage.tokens.put({ ...base, hash: 'h-new', kind: 'access_token', jti: 'new', deviceId: f.deviceId, issuedAt: new Date(f.clock.now()) });
    await f.storage.tokens.put({ ...base, hash: 'h-other', kind: 'access_token', jti: 'other', deviceId: 'dev_other', issuedAt: new Date(f.clock.now()) });
    const tokens = await f.tessera.admin.devices.tokens(f.deviceId);
    expect(tokens.map((t) => [t.jti, t.kind, t.sessionId])).toEqual([['new', 'access_token', 's1'], ['old', 'refresh_token', 's1']]);
    expect(JSON.stringify(tokens)).not.toContain('h-new');
  });
});

describe('devices config', () => {
  it('refuses an SSF transmitter JWKS over plain http (except loopback) and webhook secrets under 32 characters', async () => {
    const { resolveConfig, ConfigError } = await import('../../src/index.js');
    const base = { issuer: 'https://as.example.com', dev: true, store: { kind: 'memory' as const }, keys: { masterKey: Buffer.alloc(32, 1) } };
    const receiver = { issuer: 'https://uem.example.com', audience: 'https://as.example.com/ssf' };
    expect(() => resolveConfig({ ...base, devices: { ssfReceivers: { u: { ...receiver, jwksUri: 'http://uem.example.com/jwks' } } } })).toThrow(ConfigError);
    expect(() => resolveConfig({ ...base, devices: { ssfReceivers: { u: { ...receiver, jwksUri: 'http://127.0.0.1:8080/jwks' } } } })).not.toThrow();
    expect(() => resolveConfig({ ...base, devices: { uem: { sources: { h: { secrets: ['short'] } } } } })).toThrow(/32 characters/);
    expect(() => resolveConfig({ ...base, devices: { uem: { sources: { 'Bad Name': { secrets: ['s'.repeat(32)] } } } } })).toThrow(ConfigError);
  });
});
