import { describe, expect, it } from 'vitest';
import { accountsSchema, passwordParamsFrom, throttlePolicyFrom } from '../../src/accounts/config.js';
import { OWASP_ARGON2ID } from '../../src/accounts/passwords.js';
import { DEFAULT_THROTTLE_POLICY } from '../../src/interaction/throttle.js';

describe('accounts config', () => {
  it('defaults to the OWASP argon2id parameters and the documented throttle policy', () => {
    const config = accountsSchema.parse(undefined);
    expect(passwordParamsFrom(config)).toEqual(OWASP_ARGON2ID);
    expect(throttlePolicyFrom(config)).toEqual(DEFAULT_THROTTLE_POLICY);
    expect(config.session).toEqual({ absolute: 43_200, idle: 3600 });
  });

  it('accepts durations written as text', () => {
    const config = accountsSchema.parse({ session: { idle: '15m' }, throttle: { accountAndIp: { lockoutSeconds: '1h' } } });
    expect(config.session.idle).toBe(900);
    expect(config.throttle.accountAndIp.lockoutSeconds).toBe(3600);
  });

  it('refuses argon2 memory below the OWASP floor and a throttle where one IP can slow everyone', () => {
    expect(accountsSchema.safeParse({ argon2: { memoryCost: 4096 } }).success).toBe(false);
    const bad = accountsSchema.safeParse({ throttle: { account: { freeFailures: 5 } } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('one attacker IP');
  });
});
