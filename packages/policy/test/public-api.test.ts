import { describe, expectTypeOf, it } from 'vitest';
import type {
  AccessDecision,
  AccessRequest,
  CheckResult,
  ComplianceResult,
  DeviceSignals,
  Platform,
  PolicyLoadStage,
} from '../src/index.js';
import { evaluateCompliance, type PolicyEngine } from '../src/index.js';

// Type-level tests of the public surface (jose `test-d` style): `tsc --noEmit` fails if they drift.
describe('public API types', () => {
  it('keeps unknown signals explicitly representable as undefined', () => {
    expectTypeOf<DeviceSignals['diskEncrypted']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<DeviceSignals['jailbroken']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<DeviceSignals['reportedAt']>().toEqualTypeOf<Date | undefined>();
    expectTypeOf<Platform>().toEqualTypeOf<'ios' | 'ipados' | 'android' | 'macos' | 'windows' | 'linux'>();
  });

  it('exposes the four check results and the compliance result shape', () => {
    expectTypeOf<CheckResult>().toEqualTypeOf<'pass' | 'fail' | 'not_applicable' | 'unknown'>();
    expectTypeOf(evaluateCompliance).returns.toEqualTypeOf<ComplianceResult>();
    expectTypeOf<ComplianceResult['compliant']>().toEqualTypeOf<boolean>();
  });

  it('answers decide() with allow or deny, reasons and policies', () => {
    expectTypeOf<PolicyEngine['decide']>().parameters.toEqualTypeOf<[AccessRequest]>();
    expectTypeOf<PolicyEngine['decide']>().returns.toEqualTypeOf<AccessDecision>();
    expectTypeOf<AccessDecision['decision']>().toEqualTypeOf<'allow' | 'deny'>();
    expectTypeOf<AccessRequest['action']>().toEqualTypeOf<'authorize' | 'token'>();
    expectTypeOf<PolicyLoadStage>().toEqualTypeOf<'schema' | 'syntax' | 'annotations' | 'validation'>();
  });
});
