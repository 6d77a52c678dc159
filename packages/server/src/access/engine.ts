import { DEFAULT_POLICIES, DEVICE_TRUST_POLICIES, PolicyEngine } from '@tessera/policy';
import type { PolicyConfig } from './config.js';

/** The policy text in force for a configuration: inline text, else the preset. */
export function policyText(config: Pick<PolicyConfig, 'preset' | 'text'>): string {
  if (config.text !== undefined) return config.text;
  return config.preset === 'device-trust' ? DEVICE_TRUST_POLICIES : DEFAULT_POLICIES;
}

/** Loads the configured policy set; throws `PolicyLoadError` (with Cedar's messages) when it does not load. */
export function createPolicyEngine(config: PolicyConfig): PolicyEngine {
  return PolicyEngine.fromText(policyText(config), undefined, { decisionCacheSize: config.decisionCacheSize });
}
