import { DEFAULT_POLICIES, JAILBROKEN_DEVICES_GET_NOTHING, PAYROLL_REQUIRES_COMPLIANT_BOUND_DEVICE, PolicyEngine } from '@tessera/policy';
import type { PolicyConfig } from './config.js';

const DEVICE_REQUIRED = 'forbid (principal, action, resource == Tessera::Api::"payroll-api")\nunless { context has device };';

/**
 * The `device-trust` preset: the shipped examples, with one change. "A device is required" applies at
 * the token endpoint only: that is where a device proves its key (DPoP), while a browser's visit to
 * /authorize carries no proof, so the rule there would refuse every sign-in. The compliance, binding
 * and jailbreak rules stay on every action: they fire whenever a device is known.
 */
export const DEVICE_TRUST_PRESET = [
  DEFAULT_POLICIES,
  JAILBROKEN_DEVICES_GET_NOTHING,
  PAYROLL_REQUIRES_COMPLIANT_BOUND_DEVICE.replace(DEVICE_REQUIRED, DEVICE_REQUIRED.replace('action,', 'action == Tessera::Action::"token",')),
].join('\n');

/** The policy text in force for a configuration: inline text, else the preset. */
export function policyText(config: Pick<PolicyConfig, 'preset' | 'text'>): string {
  if (config.text !== undefined) return config.text;
  return config.preset === 'device-trust' ? DEVICE_TRUST_PRESET : DEFAULT_POLICIES;
}

/** Loads the configured policy set; throws `PolicyLoadError` (with Cedar's messages) when it does not load. */
export function createPolicyEngine(config: PolicyConfig): PolicyEngine {
  return PolicyEngine.fromText(policyText(config), undefined, { decisionCacheSize: config.decisionCacheSize });
}
