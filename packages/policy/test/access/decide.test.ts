import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICIES,
  DEVICE_TRUST_POLICIES,
  PolicyEngine,
  TESSERA_SCHEMA,
  defaultProfiles,
  describeAccessReason,
  devicePosture,
  evaluateCompliance,
  type AccessRequest,
  type DeviceSignals,
} from '../../src/index.js';
import { request } from './fixtures.js';

describe('PolicyEngine.decide', () => {
  it('denies with not_permitted when no permit matches (Cedar default deny)', () => {
    const engine = PolicyEngine.fromText('@id("admins-only")\npermit (principal, action, resource) when { principal has groups && principal.groups.contains("admins") };');
    expect(engine.decide(request())).toEqual({ decision: 'deny', reasons: ['not_permitted'], policies: [], errors: [] });
  });

  it('gives a forbid without @reason the generic forbidden_by_policy code', () => {
    const engine = PolicyEngine.fromText(`${DEFAULT_POLICIES}\n@id("no-hr")\nforbid (principal, action, resource == Tessera::Api::"hr-api");`);
    expect(engine.decide(request({ audience: 'hr-api' }))).toMatchObject({ decision: 'deny', reasons: ['forbidden_by_policy'], policies: ['no-hr'] });
  });

  it('sees groups, scopes, acr, client and grant type in policies', () => {
    const engine = PolicyEngine.fromText(`${DEFAULT_POLICIES}
@id("admin-scope-needs-mfa") @reason("step_up_required")
forbid (principal, action, resource)
when { context.scopes.contains("admin") && !(context has acr && context.acr == "urn:tessera:acr:mfa") };
@id("refresh-from-kiosk") @reason("kiosk_no_refresh")
forbid (principal, action == Tessera::Action::"token", resource)
when { context.grantType == "refresh_token" && context.client == Tessera::Client::"kiosk" };
@id("contractors-no-payroll") @reason("group_not_allowed")
forbid (principal is Tessera::User, action, resource == Tessera::Api::"payroll-api")
when { principal.groups.contains("contractors") };`);
    const rows: [string, Partial<AccessRequest>, string[]][] = [
      ['admin scope with MFA', { scopes: ['admin'] }, []],
      ['admin scope without MFA', { scopes: ['admin'], acr: 'urn:tessera:acr:pwd' }, ['step_up_required']],
      ['admin scope without any acr', { scopes: ['admin'], acr: undefined }, ['step_up_required']],
      ['refresh from the kiosk client', { grantType: 'refresh_token', client: { id: 'kiosk' } }, ['kiosk_no_refresh']],
      ['code grant from the kiosk client', { client: { id: 'kiosk' } }, []],
      ['contractor on payroll', { audience: 'payroll-api', user: { id: 'bob', groups: ['contractors'] } }, ['group_not_allowed']],
      ['staff on payroll', { audience: 'payroll-api' }, []],
      ['client_credentials on payroll', { audience: 'payroll-api', user: undefined, grantType: 'client_credentials' }, []],
    ];
    for (const [name, over, reasons] of rows) {
      const decision = engine.decide(request(over));
      expect({ name, decision: decision.decision, reasons: decision.reasons }).toEqual({ name, decision: reasons.length ? 'deny' : 'allow', reasons });
    }
  });

  it('denies with policy_error when a forbid fails to evaluate, instead of skipping it (fail closed)', () => {
    // Long overflow passes validation but errors at runtime; Cedar would skip this forbid and allow.
    const engine = PolicyEngine.fromText(`${DEFAULT_POLICIES}
@id("overflowing") @reason("never_reached")
forbid (principal, action, resource) when { 9223372036854775807 + (if context.scopes.isEmpty() then 1 else 2) > 0 };`);
    const decision = engine.decide(request());
    expect(decision).toMatchObject({ decision: 'deny', reasons: ['policy_error'], policies: ['overflowing'] });
    expect(decision.errors.join()).toMatch(/overflow/);
  });

  const malformed: [string, AccessRequest][] = [
    ['a scope that is not a string', request({ scopes: [42 as unknown as string] })],
    ['no audience', request({ audience: undefined as unknown as string })],
    ['an action outside the schema', request({ action: 'delete' as 'token' })],
    ['authorize without a user', request({ action: 'authorize', user: undefined })],
    ['a user without an id', request({ user: { id: '' } })],
    ['a device whose compliance is a string', request({ device: { id: 'd', platform: 'ios', compliant: 'yes' as unknown as boolean, bound: true, reasons: [] } })],
    ['a device with a non-boolean jailbreak signal', request({ device: { id: 'd', platform: 'ios', compliant: true, bound: true, reasons: [], jailbroken: 'no' as unknown as boolean } })],
    ['null instead of a request', null as unknown as AccessRequest],
  ];
  for (const validateRequests of [true, false]) {
    const engine = PolicyEngine.fromText(DEFAULT_POLICIES, undefined, { validateRequests });
    it.each(malformed)(`denies %s with policy_request_invalid, never throws (validateRequests: ${validateRequests})`, (_d, bad) => {
      const decision = engine.decide(bad);
      expect(decision).toMatchObject({ decision: 'deny', reasons: ['policy_request_invalid'] });
      expect(decision.errors.length).toBe(1);
    });
  }

  it('lets Cedar\'s own request validation refuse what the JS shape check lets through (wrong principal type for authorize)', () => {
    const engine = PolicyEngine.fromText(DEFAULT_POLICIES, `${TESSERA_SCHEMA.replace('principal: [User],', 'principal: [Client],')}`);
    const decision = engine.decide(request({ action: 'authorize' }));
    expect(decision).toMatchObject({ decision: 'deny', reasons: ['policy_request_invalid'] });
    expect(decision.errors.join()).toMatch(/principal/);
  });

  it('decides the same with and without Cedar request validation on well-formed requests', () => {
    const a = PolicyEngine.fromText(DEVICE_TRUST_POLICIES, undefined, { validateRequests: true });
    const b = PolicyEngine.fromText(DEVICE_TRUST_POLICIES, undefined, { validateRequests: false });
    const device = { id: 'd', platform: 'android', compliant: false, bound: true, reasons: ['os_outdated'], jailbroken: true };
    for (const req of [request(), request({ audience: 'payroll-api' }), request({ audience: 'payroll-api', device }), request({ user: undefined, grantType: 'client_credentials' })]) {
      expect(b.decide(req)).toEqual(a.decide(req));
    }
  });

  it('describes shipped reason codes and falls back for operator-defined ones', () => {
    expect(describeAccessReason('device_not_compliant').message).toMatch(/does not meet/);
    expect(describeAccessReason('kiosk_no_refresh').message).toBe('An access policy forbids this request.');
  });
});

describe('compliance feeds access policy', () => {
  const now = new Date('2026-11-26T06:00:00Z');
  const profiles = defaultProfiles();
  const engine = PolicyEngine.fromText(DEVICE_TRUST_POLICIES);
  const signals: DeviceSignals = {
    deviceId: 'mac-1', platform: 'macos', osVersion: '14.2.1', diskEncrypted: true, passcodeCompliant: true,
    managed: true, reportedAt: new Date('2026-11-26T05:00:00Z'), source: 'uem-sim',
  };

  it('allows payroll-api from a compliant, bound Mac and denies once its disk is reported unencrypted', () => {
    const ok = devicePosture(signals, evaluateCompliance(signals, profiles, now), true);
    expect(engine.decide(request({ audience: 'payroll-api', device: ok })).decision).toBe('allow');

    const flipped = { ...signals, diskEncrypted: false };
    const bad = devicePosture(flipped, evaluateCompliance(flipped, profiles, now), true);
    expect(bad.reasons).toEqual(['disk_not_encrypted']);
    expect(engine.decide(request({ audience: 'payroll-api', device: bad }))).toMatchObject({ decision: 'deny', reasons: ['device_not_compliant'] });
  });

  it('lets a policy read the compliance reason codes', () => {
    const custom = PolicyEngine.fromText(`${DEFAULT_POLICIES}
@id("stale-devices") @reason("device_stale")
forbid (principal, action, resource) when { context has device && context.device.reasons.contains("report_stale") };`);
    const later = new Date('2026-11-28T06:00:00Z');
    const stale = devicePosture(signals, evaluateCompliance(signals, profiles, later), true);
    expect(custom.decide(request({ device: stale }))).toMatchObject({ decision: 'deny', reasons: ['device_stale'] });
  });
});
