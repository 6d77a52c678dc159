import { createMemoryStorage, type ClientRecord } from '@tessera/store';
import { DEVICE_TRUST_POLICIES } from '@tessera/policy';
import { describe, expect, it } from 'vitest';
import { AccessDeniedError, createPolicyAccessCheck, createPolicyEngine, DEVICE_TRUST_PRESET } from '../../src/access/index.js';
import { policySchema } from '../../src/access/config.js';
import type { AccessQuestion } from '../../src/grants/define.js';
import { T0 } from '../helpers.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('the device-trust preset', () => {
  it('differs from the shipped examples only in scoping "device required" to the token endpoint', () => {
    expect(DEVICE_TRUST_PRESET).not.toBe(DEVICE_TRUST_POLICIES);
    expect(DEVICE_TRUST_PRESET.replace('action == Tessera::Action::"token",', 'action,')).toBe(DEVICE_TRUST_POLICIES);
  });

  it('a browser sign-in for payroll-api passes /authorize without a device; the token request without one is refused (device_required)', async () => {
    const storage = createMemoryStorage({ now: () => T0 });
    await storage.users.create({ v: 1, id: 'u1', username: 'alice', email: null, emailVerified: false, passwordHash: 'x', totp: null, status: 'active', groups: [], createdAt: new Date(T0), updatedAt: new Date(T0) });
    const check = createPolicyAccessCheck({
      engine: createPolicyEngine(policySchema.parse({ preset: 'device-trust' })),
      issuer: 'http://localhost:3000', devices: storage.devices, users: storage.users, decisionLog: storage.decisionLog, now: () => T0, log: silent,
    });
    const q = (action: 'authorize' | 'token'): AccessQuestion => ({
      action, grantType: 'authorization_code', client: { clientId: 'app' } as ClientRecord, userId: 'u1', audience: ['payroll-api'], scope: ['read'], acr: null, binding: null,
    });
    await expect(Promise.resolve(check(q('authorize')))).resolves.toBeUndefined();
    const denied = await Promise.resolve(check(q('token'))).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(AccessDeniedError);
    expect((denied as AccessDeniedError).reason).toBe('device_required');
  });
});
