import { booleanSignalCheck } from './boolean-signal.js';

/** Enrolled in the organisation's UEM (a retired or unenrolled device reports `managed: false`). */
export const managedDevice = booleanSignalCheck({
  id: 'device.managed',
  description: 'Device is enrolled in device management',
  signal: 'managed',
  expected: true,
  failReason: 'device_unmanaged',
  unknownReason: 'management_unknown',
});
