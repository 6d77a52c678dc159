import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { adminSetup, type AdminFixture } from './fixture.js';

const publicJwk = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
const DEVICE = { platform: 'android', osVersion: '14', uem: 'hexnode', displayName: 'Pixel' };

describe('admin API: devices', () => {
  let a: AdminFixture;
  beforeEach(async () => {
    a = await adminSetup();
  });
  afterEach(async () => {
    await a.f.close();
  });

  const enrol = (extra: Record<string, unknown> = {}) => a.call('POST', '/devices', { body: { ...DEVICE, ...extra } });

  it('enrols a device with its public key (201); the same id again is 409, an unknown user 400', async () => {
    const res = await enrol({ id: 'uem-1', keys: [publicJwk()] });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ id: 'uem-1', platform: 'android', posture: null, compliance: null });
    expect(res.json().keys).toHaveLength(1);
    expect((await enrol({ id: 'uem-1' })).statusCode).toBe(409);
    const user = await enrol({ userId: 'u_nobody' });
    expect(user.statusCode).toBe(400);
    expect(user.json().issues[0].code).toBe('unknown_user');
    const unknown = await enrol({ color: 'red' });
    expect(unknown.statusCode).toBe(400);
  });

  it('shows the current posture, the verdict and its reasons with remediation text, and the posture history', async () => {
    await enrol({ id: 'uem-2' });
    await a.f.tessera.devices.report('uem-2', {
      eventId: 'e1', source: 'hexnode', reportedAt: new Date(a.f.clock.now()),
      signals: { diskEncrypted: false, passcodeCompliant: true, jailbroken: false, managed: true },
    });
    const res = await a.call('GET', '/devices/uem-2');
    expect(res.statusCode).toBe(200);
    const device = res.json();
    expect(device.posture.signals).toMatchObject({ diskEncrypted: false });
    expect(device.compliance.compliant).toBe(false);
    expect(device.compliance.reasons.length).toBeGreaterThan(0);
    for (const reason of device.compliance.reasons) {
      expect(reason.message).toEqual(expect.any(String));
      expect(reason.remediation).toEqual(expect.any(String));
    }
    const history = await a.call('GET', '/devices/uem-2/history?limit=10');
    expect(history.json().history).toHaveLength(1);
    const evaluated = await a.call('POST', '/devices/uem-2/evaluate');
    expect(evaluated.json()).toMatchObject({ changed: false, device: { id: 'uem-2' } });
  });

  it('lists with paging and filters (uem, userId)', async () => {
    const { id: userId } = (await a.call('POST', '/users', { body: { username: 'owner', password: 'correct horse battery staple' } })).json();
    await enrol({ id: 'd-a', userId });
    await enrol({ id: 'd-b', uem: 'intune' });
    await enrol({ id: 'd-c' });
    const page = (await a.call('GET', '/devices?limit=2')).json();
    expect(page.devices).toHaveLength(2);
    expect(page.next).not.toBeNull();
    const rest = (await a.call('GET', `/devices?limit=2&after=${encodeURIComponent(page.next)}`)).json();
    expect([...page.devices, ...rest.devices].map((d: { id: string }) => d.id).sort()).toEqual(['d-a', 'd-b', 'd-c']);
    expect((await a.call('GET', '/devices?uem=intune')).json().devices.map((d: { id: string }) => d.id)).toEqual(['d-b']);
    expect((await a.call('GET', `/devices?userId=${userId}`)).json().devices.map((d: { id: string }) => d.id)).toEqual(['d-a']);
    expect((await a.call('GET', '/devices?limit=0')).statusCode).toBe(400);
    expect((await a.call('GET', '/devices?limit=1001')).statusCode).toBe(400);
  });

  it('lists the tokens bound to a device (never a hash) and the sessions they belong to', async () => {
    await enrol({ id: 'uem-3' });
    const at = new Date(a.f.clock.now());
    const hash = randomBytes(32).toString('base64url');
    await a.f.storage.tokens.put({
      v: 1, hash, jti: 'jti-1', kind: 'refresh_token', clientId: a.f.client.id, subject: 'u_1', grantId: 'g1',
      sessionId: 'sid-1', deviceId: 'uem-3', jkt: null, scope: ['read'], audience: ['https://api.example.com'], claims: {},
      issuedAt: at, expiresAt: new Date(at.getTime() + 3_600_000), revokedAt: null,
    });
    const tokens = await a.call('GET', '/devices/uem-3/tokens');
    expect(tokens.statusCode).toBe(200);
    expect(tokens.json().tokens).toEqual([expect.objectContaining({ jti: 'jti-1', kind: 'refresh_token', sessionId: 'sid-1' })]);
    expect(tokens.body).not.toContain(hash);
    const sessions = await a.call('GET', '/devices/uem-3/sessions');
    expect(sessions.json().sessions).toEqual([{ sid: 'sid-1', clientIds: [a.f.client.id], liveTokens: 1, lastIssuedAt: at.toISOString() }]);
  });

  it('adds and removes a key; deletes the device (204), after which it is 404 on every route', async () => {
    await enrol({ id: 'uem-4' });
    const added = await a.call('POST', '/devices/uem-4/keys', { body: { jwk: publicJwk() } });
    expect(added.statusCode).toBe(201);
    const jkt = added.json().keys[0].jkt as string;
    expect((await a.call('DELETE', `/devices/uem-4/keys/${jkt}`)).json().keys).toEqual([]);
    const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    expect((await a.call('POST', '/devices/uem-4/keys', { body: { jwk: privateKey } })).statusCode).toBe(400);
    expect((await a.call('DELETE', '/devices/uem-4')).statusCode).toBe(204);
    for (const [method, url] of [
      ['GET', '/devices/uem-4'], ['GET', '/devices/uem-4/history'], ['GET', '/devices/uem-4/tokens'], ['GET', '/devices/uem-4/sessions'],
      ['POST', '/devices/uem-4/evaluate'], ['DELETE', '/devices/uem-4'], ['DELETE', `/devices/uem-4/keys/${jkt}`],
    ] as const) {
      const res = await a.call(method, url);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await a.call('POST', '/devices/uem-4/keys', { body: { jwk: publicJwk() } })).statusCode).toBe(404);
  });
});

describe('admin API: decision log', () => {
  let a: AdminFixture;
  beforeEach(async () => {
    a = await adminSetup();
  });
  afterEach(async () => {
    await a.f.close();
  });

  const entry = (over: Record<string, unknown>) => ({
    at: new Date(a.f.clock.now()), action: 'token', grantType: 'client_credentials', clientId: 'c1', userId: null, deviceId: null,
    audience: ['https://api.example.com'], scope: ['read'], decision: 'allow' as const, policies: ['p1'], reasons: [], ...over,
  });

  it('lists decisions newest first, filtered by user, device, client and since, with a limit', async () => {
    const log = a.f.storage.decisionLog;
    await log.append(entry({ at: new Date(a.f.clock.now() - 60_000), userId: 'u1', clientId: 'c1' }));
    await log.append(entry({ userId: 'u1', deviceId: 'd1', clientId: 'c2', decision: 'deny', reasons: ['device.not_compliant'] }));
    await log.append(entry({ userId: 'u2', clientId: 'c1' }));
    const ids = async (query: string) => ((await a.call('GET', `/decisions${query}`)).json().decisions as { userId: string; clientId: string }[]).map((d) => `${d.userId}/${d.clientId}`);
    expect(await ids('?userId=u1')).toEqual(['u1/c2', 'u1/c1']);
    expect(await ids('?deviceId=d1')).toEqual(['u1/c2']);
    expect(await ids('?clientId=c1')).toEqual(expect.arrayContaining(['u2/c1', 'u1/c1']));
    expect(await ids(`?userId=u1&since=${encodeURIComponent(new Date(a.f.clock.now() - 1000).toISOString())}`)).toEqual(['u1/c2']);
    expect(await ids('?limit=1&userId=u1')).toHaveLength(1);
    const deny = (await a.call('GET', '/decisions?deviceId=d1')).json().decisions[0];
    expect(deny).toMatchObject({ decision: 'deny', reasons: ['device.not_compliant'], policies: ['p1'] });
  });

  it.each([['since=yesterday'], ['since=2026-13-01T00:00:00Z'], ['limit=0'], ['limit=1001'], ['limit=-1'], ['user=u1'], ['userId=a&userId=b']])('a bad query %s is 400', async (query) => {
    const res = await a.call('GET', `/decisions?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
  });
});
