import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICIES,
  DEVICE_TRUST_POLICIES,
  JAILBROKEN_DEVICES_GET_NOTHING,
  PAYROLL_REQUIRES_COMPLIANT_BOUND_DEVICE,
  PolicyEngine,
} from '../../src/index.js';
import { describePosture, deviceOf, postureGrid, request, type Posture } from './fixtures.js';

// Each example policy's English sentence, written as the expected reasons for a posture (empty = allow).
// The grids below run every posture × audience × action against Cedar and compare.
const jailbrokenGetNothing = (p: Posture): string[] => (p.device && p.jailbroken === true ? ['device_jailbroken'] : []);
const payrollOnlyCompliantBound = (p: Posture, audience: string): string[] => {
  if (audience !== 'payroll-api') return [];
  if (!p.device) return ['device_required'];
  return [...(p.compliant ? [] : ['device_not_compliant']), ...(p.bound ? [] : ['device_not_bound'])];
};

const audiences = ['payroll-api', 'hr-api', 'https://payroll.example.com'];
const actions = ['authorize', 'token'] as const;

function grid(expectation: (p: Posture, audience: string) => string[]) {
  return postureGrid().flatMap((posture) =>
    audiences.flatMap((audience) =>
      actions.map((action) => ({ name: `${action} ${audience} from ${describePosture(posture)}`, posture, audience, action, expected: expectation(posture, audience) })),
    ),
  );
}

const suites = [
  { title: 'jailbroken devices get nothing', text: `${DEFAULT_POLICIES}\n${JAILBROKEN_DEVICES_GET_NOTHING}`, expectation: jailbrokenGetNothing },
  { title: 'payroll-api only from compliant, bound devices', text: `${DEFAULT_POLICIES}\n${PAYROLL_REQUIRES_COMPLIANT_BOUND_DEVICE}`, expectation: payrollOnlyCompliantBound },
  {
    title: 'both examples together (DEVICE_TRUST_POLICIES)',
    text: DEVICE_TRUST_POLICIES,
    expectation: (p: Posture, audience: string) => [...jailbrokenGetNothing(p), ...payrollOnlyCompliantBound(p, audience)],
  },
];

for (const suite of suites) {
  describe(`example policy: ${suite.title}`, () => {
    const engine = PolicyEngine.fromText(suite.text);
    const rows = grid(suite.expectation);

    it('covers both outcomes in its grid (the grid can fail either way)', () => {
      expect(rows.some((r) => r.expected.length === 0)).toBe(true);
      expect(rows.some((r) => r.expected.length > 0)).toBe(true);
    });

    it.each(rows)('$name', ({ posture, audience, action, expected }) => {
      const decision = engine.decide(request({ action, audience, device: deviceOf(posture) }));
      expect(decision.errors).toEqual([]);
      expect(decision.decision).toBe(expected.length === 0 ? 'allow' : 'deny');
      expect([...decision.reasons].sort()).toEqual([...expected].sort());
    });
  });
}

describe('the default policy set', () => {
  const engine = PolicyEngine.fromText(DEFAULT_POLICIES);

  it.each(postureGrid())('permits normal access from $platform (device: $device, compliant: $compliant)', (posture) => {
    expect(engine.decide(request({ device: deviceOf(posture) })).decision).toBe('allow');
  });

  it('permits a client_credentials grant where the client is the principal', () => {
    const decision = engine.decide(request({ user: undefined, acr: undefined, grantType: 'client_credentials' }));
    expect(decision).toMatchObject({ decision: 'allow', policies: ['default.permit-all'] });
  });
});

describe('determining policies are reported for the decision log', () => {
  const engine = PolicyEngine.fromText(DEVICE_TRUST_POLICIES);

  it('names every forbid that denied a jailbroken, unbound device on payroll-api', () => {
    const device = deviceOf({ device: true, compliant: true, bound: false, jailbroken: true, platform: 'android' });
    const decision = engine.decide(request({ audience: 'payroll-api', device }));
    expect(decision.policies).toEqual(['jailbroken-devices-get-nothing', 'payroll-api.device-bound']);
  });

  it('names the permit that allowed a compliant bound device', () => {
    const device = deviceOf({ device: true, compliant: true, bound: true, jailbroken: false, platform: 'ios' });
    expect(engine.decide(request({ audience: 'payroll-api', device }))).toMatchObject({ decision: 'allow', policies: ['default.permit-all'], reasons: [] });
  });
});
