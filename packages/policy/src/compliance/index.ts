export { PLATFORMS, isPlatform, type Platform, type DeviceSignals } from './signals.js';
export { COMPLIANCE_REASONS, isComplianceReasonCode, reason, type ComplianceReasonCode, type Reason } from './reasons.js';
export { parseOsVersion, compareOsVersions, type OsVersion } from './os-version.js';
export { defineCheck, type Check, type CheckContext, type CheckResult, type CheckVerdict } from './check.js';
export * from './checks/index.js';
export { ComplianceProfile, type ComplianceProfileOptions, type ComplianceProfiles, type ProfileEntry, type UnknownVerdict } from './profile.js';
export { evaluateCompliance, type CheckOutcome, type ComplianceResult } from './evaluate.js';
export { DEFAULT_COMPLIANCE_CONFIG, defaultProfiles, type ComplianceConfig } from './defaults.js';
