export { createPolicyAccessCheck, type PolicyAccessDeps } from './check.js';
export { AccessDeniedError } from './denied.js';
export { policySchema, type PolicyConfig } from './config.js';
export { createPolicyEngine, DEVICE_TRUST_PRESET, policyText } from './engine.js';
export { postureOf } from './posture.js';
export { createDecisionAdmin, type DecisionAdmin } from './admin.js';
