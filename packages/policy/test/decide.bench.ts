// Per-evaluation cost of the policy package (DESIGN.md: "Preparsed evaluation measured here at ~40 µs").
// Run: npx vitest bench --run packages/policy
import { bench, describe } from 'vitest';
import { DEVICE_TRUST_POLICIES, PolicyEngine, defaultProfiles, devicePosture, evaluateCompliance, loadPolicySet, type DeviceSignals } from '../src/index.js';
import { request } from './access/fixtures.js';

const now = new Date('2026-11-26T06:00:00Z');
const signals: DeviceSignals = {
  deviceId: 'mac-1', platform: 'macos', osVersion: '14.2.1', diskEncrypted: true, passcodeCompliant: true,
  managed: true, reportedAt: new Date('2026-11-26T05:00:00Z'), source: 'uem-sim',
};
const profiles = defaultProfiles();
const device = devicePosture(signals, evaluateCompliance(signals, profiles, now), true);
const validated = new PolicyEngine(loadPolicySet(DEVICE_TRUST_POLICIES), { validateRequests: true, decisionCacheSize: 0 });
const unvalidated = new PolicyEngine(loadPolicySet(DEVICE_TRUST_POLICIES), { decisionCacheSize: 0 });
const cached = new PolicyEngine(loadPolicySet(DEVICE_TRUST_POLICIES));
const withDevice = request({ audience: 'payroll-api', device });
const serviceClient = request({ user: undefined, acr: undefined, grantType: 'client_credentials' });

describe('decide() with a preparsed policy set (5 policies)', () => {
  bench('user + device, request validated against the schema', () => {
    validated.decide(withDevice);
  });
  bench('user + device, default (JS shape check only)', () => {
    unvalidated.decide(withDevice);
  });
  bench('client_credentials (no user, no device), validated', () => {
    validated.decide(serviceClient);
  });
  bench('user + device, decision cache hit', () => {
    cached.decide(withDevice);
  });
});

describe('compliance', () => {
  bench('evaluateCompliance (default macOS profile, 5 checks)', () => {
    evaluateCompliance(signals, profiles, now);
  });
});

describe('load', () => {
  bench('loadPolicySet (parse + validate + preparse)', () => {
    loadPolicySet(DEVICE_TRUST_POLICIES);
  }, { iterations: 50 });
});
