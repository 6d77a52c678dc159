import { createMemoryStorage, type ClientRecord, type DeviceRecord, type Storage, type UserRecord } from '@tessera/store';
import { DEVICE_TRUST_POLICIES, PolicyEngine } from '@tessera/policy';
import { beforeEach, describe, expect, it } from 'vitest';
import { AccessDeniedError, createPolicyAccessCheck } from '../../src/access/index.js';
import type { AccessQuestion, CheckAccess } from '../../src/grants/define.js';
import { T0 } from '../helpers.js';

const JKT = 'jkt-of-the-device-key-0000000000000000000000';
const OTHER_JKT = 'jkt-of-some-other-key-00000000000000000000000';
const client = { clientId: 'app' } as ClientRecord;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function user(status: 'active' | 'disabled' = 'active'): UserRecord {
  return { v: 1, id: 'u1', username: 'alice', email: null, emailVerified: false, passwordHash: 'x', totp: null, status, groups: ['staff'], createdAt: new Date(T0), updatedAt: new Date(T0) };
}

type Signals = { diskEncrypted?: boolean; jailbroken?: boolean; passcodeCompliant?: boolean; managed?: boolean };

function device(compliant: boolean | null, signals: Signals, reasons: string[] = []): DeviceRecord {
  return {
    v: 1,
    id: 'd1',
    userId: 'u1',
    platform: 'ios',
    osVersion: '17.4',
    uem: 'sim',
    displayName: 'phone',
    keys: [{ jkt: JKT, jwk: { kty: 'EC' }, addedAt: new Date(T0) }],
    posture: { eventId: 'e1', source: 'sim', reportedAt: new Date(T0), receivedAt: new Date(T0), signals: { ...signals } },
    compliance: compliant === null ? null : { compliant, reasons, evaluatedAt: new Date(T0) },
    createdAt: new Date(T0),
    updatedAt: new Date(T0),
  };
}

function question(audience: string, binding: AccessQuestion['binding'], overrides: Partial<AccessQuestion> = {}): AccessQuestion {
  return { action: 'token', grantType: 'refresh_token', client, userId: 'u1', audience: [audience], scope: ['read'], acr: null, binding, ...overrides };
}

async function outcome(check: CheckAccess, q: AccessQuestion): Promise<string> {
  try {
    await check(q);
    return 'allow';
  } catch (error) {
    if (error instanceof AccessDeniedError) return `deny:${error.reason}`;
    throw error;
  }
}

describe('access check over the Cedar engine (issue 5 §4)', () => {
  let storage: Storage;
  let check: CheckAccess;
  beforeEach(async () => {
    storage = createMemoryStorage({ now: () => T0 });
    await storage.users.create(user());
    check = createPolicyAccessCheck({
      engine: PolicyEngine.fromText(DEVICE_TRUST_POLICIES),
      issuer: 'http://localhost:3000',
      devices: storage.devices,
      users: storage.users,
      decisionLog: storage.decisionLog,
      now: () => T0,
      log: silent,
    });
  });

  const bound = { jkt: JKT, deviceId: 'd1' };
  const unboundKey = { jkt: OTHER_JKT, deviceId: 'd1' };
  const healthy: Signals = { diskEncrypted: true, jailbroken: false, passcodeCompliant: true, managed: true };

  // Each row: device stored (or none), binding, audience → expected outcome. The grid covers both
  // shipped example policies ("payroll-api only from compliant, bound devices", "jailbroken devices get nothing").
  const grid: [string, DeviceRecord | null, AccessQuestion['binding'], string, string][] = [
    ['compliant bound device, payroll', device(true, healthy), bound, 'payroll-api', 'allow'],
    ['compliant bound device, other api', device(true, healthy), bound, 'other-api', 'allow'],
    ['no device at all, payroll', null, null, 'payroll-api', 'deny:device_required'],
    ['no device at all, other api', null, null, 'other-api', 'allow'],
    ['DPoP key not registered to any device, payroll', null, { jkt: OTHER_JKT, deviceId: null }, 'payroll-api', 'deny:device_required'],
    ['unencrypted disk (not compliant), payroll', device(false, { ...healthy, diskEncrypted: false }, ['disk_not_encrypted']), bound, 'payroll-api', 'deny:device_not_compliant'],
    ['unencrypted disk (not compliant), other api', device(false, { ...healthy, diskEncrypted: false }, ['disk_not_encrypted']), bound, 'other-api', 'allow'],
    ['never evaluated device, payroll', device(null, healthy), bound, 'payroll-api', 'deny:device_not_compliant'],
    ['compliant device, key not among its keys, payroll', device(true, healthy), unboundKey, 'payroll-api', 'deny:device_not_bound'],
    ['jailbroken device, other api', device(false, { ...healthy, jailbroken: true }, ['jailbroken']), bound, 'other-api', 'deny:device_jailbroken'],
    ['jailbroken device, payroll', device(false, { ...healthy, jailbroken: true }, ['jailbroken']), bound, 'payroll-api', 'deny:device_jailbroken'],
    ['jailbreak status unknown, other api', device(true, { diskEncrypted: true }), bound, 'other-api', 'allow'],
    ['compliant device of another user, payroll', { ...device(true, healthy), userId: 'someone-else' }, bound, 'payroll-api', 'deny:device_not_bound'],
    ['jailbroken device of another user, other api', { ...device(false, { ...healthy, jailbroken: true }, ['jailbroken']), userId: 'someone-else' }, bound, 'other-api', 'deny:device_jailbroken'],
    ['shared device (no owner), payroll', { ...device(true, healthy), userId: null }, bound, 'payroll-api', 'allow'],
  ];

  it.each(grid)('%s', async (_name, stored, binding, audience, expected) => {
    if (stored !== null) await storage.devices.create(stored);
    expect(await outcome(check, question(audience, binding))).toBe(expected);
  });

  it('a deny at /token is 400 access_denied whose description starts with the stable reason code (RFC 6749 §5.2)', async () => {
    const error = await Promise.resolve(check(question('payroll-api', null))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedError);
    const denied = error as AccessDeniedError;
    expect(denied.status).toBe(400);
    expect(denied.toJSON()).toEqual({ error: 'access_denied', error_description: expect.stringMatching(/^device_required: /) });
    expect(denied.remediation).not.toBe('');
  });

  it('a deny at the authorization endpoint is 403 with the same reason', async () => {
    const error = await Promise.resolve(check(question('payroll-api', null, { action: 'authorize', grantType: 'authorization_code' }))).catch((e: unknown) => e);
    expect((error as AccessDeniedError).status).toBe(403);
    expect((error as AccessDeniedError).reason).toBe('device_required');
  });

  it('every decision is in the decision log with its policies and reasons, and a device refusal names what is wrong with the device', async () => {
    await storage.devices.create(device(false, { ...healthy, diskEncrypted: false }, ['disk_not_encrypted']));
    await outcome(check, question('other-api', bound));
    await outcome(check, question('payroll-api', bound));
    const log = await storage.decisionLog.list({ deviceId: 'd1', limit: 10 });
    const byAudience = Object.fromEntries(log.map((e) => [e.audience[0], e]));
    expect(byAudience['other-api']).toMatchObject({ decision: 'allow', clientId: 'app', userId: 'u1', action: 'token', grantType: 'refresh_token', policies: ['default.permit-all'] });
    expect(byAudience['payroll-api']).toMatchObject({ decision: 'deny', policies: ['payroll-api.device-compliant'], reasons: ['device_not_compliant', 'disk_not_encrypted'] });
  });

  it('a disabled user is refused whatever the policy says (user_disabled)', async () => {
    await storage.users.update('u1', { status: 'disabled' }, new Date(T0));
    expect(await outcome(check, question('other-api', null))).toBe('deny:user_disabled');
  });

  it('a user that no longer exists is refused (user_unknown)', async () => {
    expect(await outcome(check, question('other-api', null, { userId: 'ghost' }))).toBe('deny:user_unknown');
  });

  it('a device deleted after its key was looked up counts as no device: payroll is refused', async () => {
    expect(await outcome(check, question('payroll-api', { jkt: JKT, deviceId: 'deleted-device' }))).toBe('deny:device_required');
  });

  it('any denied audience refuses the whole request (RFC 8707: several resources)', async () => {
    expect(await outcome(check, question('other-api', null, { audience: ['other-api', 'payroll-api'] }))).toBe('deny:device_required');
  });

  it('client_credentials without a device is answered synchronously (no storage round-trip on the hot path)', () => {
    const result = check(question('other-api', null, { userId: null, grantType: 'client_credentials' }));
    expect(result).toBeUndefined();
  });
});
