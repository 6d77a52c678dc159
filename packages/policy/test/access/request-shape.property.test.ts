import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEVICE_TRUST_POLICIES, PolicyEngine, type AccessRequest } from '../../src/index.js';
import { request } from './fixtures.js';

// The default engine skips Cedar's request validation because a JS shape check mirrors the schema.
// That is only safe if the two refuse the same requests: checked here on arbitrary corruptions.
const cedarChecked = PolicyEngine.fromText(DEVICE_TRUST_POLICIES, undefined, { validateRequests: true, decisionCacheSize: 0 });
const jsChecked = PolicyEngine.fromText(DEVICE_TRUST_POLICIES, undefined, { decisionCacheSize: 0 });

const device = { id: 'd1', platform: 'ios', compliant: true, bound: true, reasons: [] as string[], jailbroken: false, osVersion: '17.4' };
const paths = [
  'action', 'user', 'user.id', 'user.groups', 'client', 'client.id', 'audience', 'scopes', 'grantType', 'acr',
  'device', 'device.id', 'device.platform', 'device.compliant', 'device.bound', 'device.reasons', 'device.jailbroken',
  'device.managed', 'device.osVersion',
] as const;

function corrupt(base: AccessRequest, path: string, value: unknown): AccessRequest {
  const copy = structuredClone({ ...base, device }) as Record<string, unknown>;
  const [head, tail] = path.split('.') as [string, string | undefined];
  if (tail === undefined) copy[head] = value;
  else if (typeof copy[head] === 'object' && copy[head] !== null) (copy[head] as Record<string, unknown>)[tail] = value;
  return copy as unknown as AccessRequest;
}

describe('the JS request-shape check agrees with Cedar\'s schema validation', () => {
  it('on arbitrary values at any field, both engines reach the same decision', () => {
    const value = fc.oneof(fc.anything(), fc.constantFrom('token', 'authorize', '', 'x', true, 1, [], ['a'], [1], {}, null, undefined));
    fc.assert(
      fc.property(fc.constantFrom(...paths), value, fc.constantFrom('authorize', 'token'), (path, v, action) => {
        const bad = corrupt(request({ action, audience: 'payroll-api' }), path, v);
        const viaCedar = cedarChecked.decide(bad);
        const viaJs = jsChecked.decide(bad);
        expect(viaJs.decision).toBe(viaCedar.decision);
        if (viaCedar.decision === 'allow') expect(viaJs).toEqual(viaCedar);
      }),
      { numRuns: 400 },
    );
  });
});
