import { DEVICE_TRUST_POLICIES } from '@tessera/policy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimsOf, userSetup, type UserFixture } from '../grants/fixture.js';
import { JWT_API, OPAQUE_API, setup } from '../helpers.js';
import { deviceTokens, enrolDevice, tokenWithProof } from './fixture.js';

describe('continuous access evaluation (issue 5 §6), frozen clock', () => {
  let f: UserFixture;
  beforeEach(async () => {
    f = await userSetup('memory');
  });
  afterEach(async () => f.close());

  const nonCompliant = (deviceId: string, reasons = ['disk_not_encrypted']) =>
    f.tessera.events.emit('device.compliance_changed', { deviceId, userId: f.userId, previous: 'compliant', current: 'not-compliant', reasons, at: new Date(f.clock.now()) });

  it('a token obtained on a registered device carries its id; when the device turns non-compliant the access token introspects inactive and the refresh token fails with invalid_grant', async () => {
    const { key, device } = await enrolDevice(f);
    const tokens = await deviceTokens(f, key);
    expect(tokens.status).toBe(200);
    expect(tokens.body.token_type).toBe('DPoP');
    expect(claimsOf(tokens.access).device_id).toBe(device.id);
    expect(await f.introspect(tokens.access)).toMatchObject({ active: true, device_id: device.id });

    f.clock.advance(5);
    await nonCompliant(device.id);

    expect(await f.introspect(tokens.access)).toEqual({ active: false });
    expect(await f.introspect(tokens.refresh)).toEqual({ active: false });
    const refreshed = await tokenWithProof(f, key, { grant_type: 'refresh_token', refresh_token: tokens.refresh });
    expect(refreshed.statusCode).toBe(400);
    expect(refreshed.json()).toMatchObject({ error: 'invalid_grant' });
    const cutoff = await f.storage.cutoffs.get('device', device.id);
    expect(cutoff).toEqual({ kind: 'device', id: device.id, at: new Date(f.clock.now()), expiresAt: new Date(f.clock.now() + 86_400_000) });
  });

  it('compliant again: new tokens can be had and work; the revoked ones stay revoked', async () => {
    const { key, device } = await enrolDevice(f);
    const old = await deviceTokens(f, key);
    f.clock.advance(5);
    await nonCompliant(device.id);
    f.clock.advance(5);
    await f.tessera.events.emit('device.compliance_changed', { deviceId: device.id, userId: f.userId, previous: 'not-compliant', current: 'compliant', reasons: [], at: new Date(f.clock.now()) });
    const fresh = await deviceTokens(f, key);
    expect(fresh.status).toBe(200);
    expect(await f.introspect(fresh.access)).toMatchObject({ active: true });
    expect((await tokenWithProof(f, key, { grant_type: 'refresh_token', refresh_token: fresh.refresh })).statusCode).toBe(200);
    expect(await f.introspect(old.access)).toEqual({ active: false });
    expect((await tokenWithProof(f, key, { grant_type: 'refresh_token', refresh_token: old.refresh })).statusCode).toBe(400);
  });

  it('a token issued in the same second as the cut-off counts as issued before it (fail safe)', async () => {
    const { key, device } = await enrolDevice(f);
    await nonCompliant(device.id);
    const same = await deviceTokens(f, key);
    expect(await f.introspect(same.access)).toEqual({ active: false });
    f.clock.advance(1);
    const later = await deviceTokens(f, key);
    expect(await f.introspect(later.access)).toMatchObject({ active: true });
  });

  it('another device of the same user is not affected', async () => {
    const a = await enrolDevice(f, 'dev-a');
    const b = await enrolDevice(f, 'dev-b');
    const ta = await deviceTokens(f, a.key);
    const tb = await deviceTokens(f, b.key);
    f.clock.advance(2);
    await nonCompliant('dev-a');
    expect(await f.introspect(ta.access)).toEqual({ active: false });
    expect(await f.introspect(tb.access)).toMatchObject({ active: true, device_id: 'dev-b' });
  });

  it('a deleted device is cut off like a non-compliant one', async () => {
    const { key, device } = await enrolDevice(f);
    const tokens = await deviceTokens(f, key);
    f.clock.advance(2);
    await f.tessera.events.emit('device.deleted', { deviceId: device.id, userId: f.userId, at: new Date(f.clock.now()) });
    expect(await f.introspect(tokens.access)).toEqual({ active: false });
    expect(await f.introspect(tokens.refresh)).toEqual({ active: false });
  });

  it('a disabled user: every token of theirs (JWT and opaque, any device) is inactive, and refresh fails', async () => {
    const { key } = await enrolDevice(f);
    const jwt = await deviceTokens(f, key);
    const opaque = await deviceTokens(f, key, OPAQUE_API);
    f.clock.advance(2);
    await f.tessera.events.emit('user.disabled', { userId: f.userId, sids: [], at: new Date(f.clock.now()) });
    expect(await f.introspect(jwt.access)).toEqual({ active: false });
    expect(await f.introspect(opaque.access)).toEqual({ active: false });
    expect((await tokenWithProof(f, key, { grant_type: 'refresh_token', refresh_token: jwt.refresh })).statusCode).toBe(400);
  });

  it('a revoked session: the tokens issued in it are inactive', async () => {
    const { key } = await enrolDevice(f);
    const tokens = await deviceTokens(f, key);
    expect(claimsOf(tokens.access).sid).toBe('sid-1');
    f.clock.advance(2);
    await f.tessera.events.emit('session.revoked', { sid: 'sid-1', userId: f.userId, at: new Date(f.clock.now()), reason: 'logout' });
    expect(await f.introspect(tokens.access)).toEqual({ active: false });
    expect(await f.introspect(tokens.refresh)).toEqual({ active: false });
  });
});

describe('continuous access evaluation is logged', () => {
  it('the outcome of every step is logged with the device id and the reason', async () => {
    const f = await setup();
    try {
      await f.tessera.events.emit('device.compliance_changed', { deviceId: 'dev-log', userId: null, previous: 'compliant', current: 'not-compliant', reasons: ['jailbroken'], at: new Date(f.clock.now()) });
      const line = f.logs.text().split('\n').map((l) => (l === '' ? {} : (JSON.parse(l) as Record<string, unknown>))).find((l) => l.msg === 'continuous access evaluation');
      expect(line).toMatchObject({ deviceId: 'dev-log', reason: 'device_not_compliant', reasons: ['jailbroken'], revokedTokens: 0, cutoff: expect.anything(), streams: 0 });
    } finally {
      await f.close();
    }
  });
});

describe('access policy on the wired path: /token with DPoP and device posture (device-trust policies)', () => {
  let f: UserFixture;
  beforeEach(async () => {
    f = await userSetup('memory');
    // The shipped example, aimed at this test's API instead of "payroll-api".
    f.tessera.deviceTrust.policy.reload(DEVICE_TRUST_POLICIES.replaceAll('Tessera::Api::"payroll-api"', `Tessera::Api::"${JWT_API}"`));
  });
  afterEach(async () => f.close());

  it('a compliant device with its registered DPoP key gets a token for the protected API', async () => {
    const { key } = await enrolDevice(f);
    expect((await deviceTokens(f, key)).status).toBe(200);
  });

  it('a non-compliant device is refused with 400 access_denied and the reason; the decision is logged', async () => {
    const { key, device } = await enrolDevice(f, 'dev-x', false);
    const res = await deviceTokens(f, key);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'access_denied', error_description: expect.stringMatching(/^device_not_compliant: /) });
    const [entry] = await f.storage.decisionLog.list({ deviceId: device.id, limit: 5 });
    expect(entry).toMatchObject({ decision: 'deny', action: 'token', grantType: 'authorization_code', policies: [`payroll-api.device-compliant`], reasons: ['device_not_compliant', 'disk_not_encrypted'] });
  });

  it('without a DPoP proof (no device) the protected API is refused with device_required', async () => {
    const { code, verifier } = await f.code();
    const res = await f.exchange(code, verifier);
    expect(res.statusCode).toBe(400);
    expect((res.json() as { error_description: string }).error_description).toMatch(/^device_required: /);
  });

  it('refresh asks the policy again: a device that fell out of compliance cannot refresh even before CAE ran', async () => {
    const { key, device } = await enrolDevice(f);
    const tokens = await deviceTokens(f, key);
    await f.storage.devices.setCompliance(device.id, device.compliance, { compliant: false, reasons: ['disk_not_encrypted'], evaluatedAt: new Date(f.clock.now()) });
    const res = await tokenWithProof(f, key, { grant_type: 'refresh_token', refresh_token: tokens.refresh });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'access_denied' });
  });
});
