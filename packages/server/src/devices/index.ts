export { devicesSchema, type DevicesConfig, type SsfReceiverConfig } from './config.js';
export { createComplianceEvaluator, describeReason, TRANSMITTER_STATUS, type ComplianceEvaluator } from './compliance.js';
export { DeviceKeyError, parseDeviceKey, type DevicePublicKey } from './keys.js';
export {
  createDeviceRegistry,
  DEVICE_ID,
  viewDevice,
  type ComplianceView,
  type DeviceRegistry,
  type DeviceRegistryOptions,
  type DeviceView,
  type EnrolDeviceInput,
  type ReportOutcome,
} from './registry.js';
