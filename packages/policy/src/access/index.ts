export { TESSERA_SCHEMA } from './schema.js';
export { DEFAULT_POLICIES, DEVICE_TRUST_POLICIES, JAILBROKEN_DEVICES_GET_NOTHING, PAYROLL_REQUIRES_COMPLIANT_BOUND_DEVICE } from './policies.js';
export { PolicyLoadError, type PolicyLoadStage } from './errors.js';
export { loadPolicySet, type CompiledPolicySet, type PolicyInfo } from './load.js';
export { devicePosture, type AccessRequest, type DevicePosture } from './request.js';
export { PolicyEngine, type AccessDecision, type PolicyEngineOptions } from './engine.js';
export { ACCESS_REASONS, describeAccessReason, type AccessReasonCode } from './reasons.js';
export { cedarVersion } from './cedar.js';
