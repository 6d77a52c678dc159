import { booleanSignalCheck } from './boolean-signal.js';

/** The passcode meets the UEM's passcode policy (the UEM owns the policy; we consume its verdict). */
export const passcodeCompliance = booleanSignalCheck({
  id: 'device.passcode',
  description: 'Device passcode meets the passcode policy',
  signal: 'passcodeCompliant',
  expected: true,
  failReason: 'passcode_not_compliant',
  unknownReason: 'passcode_unknown',
});
