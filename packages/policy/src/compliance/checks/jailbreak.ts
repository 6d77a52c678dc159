import { booleanSignalCheck } from './boolean-signal.js';

/**
 * Not jailbroken (iOS/iPadOS) or rooted (Android). Only meaningful on the mobile platforms: on desktop
 * systems administrator access is normal and UEMs report no such signal, so the check is
 * `not_applicable` there rather than `unknown`.
 */
export const jailbreakDetection = booleanSignalCheck({
  id: 'device.jailbreak',
  description: 'Device is not jailbroken or rooted',
  signal: 'jailbroken',
  expected: false,
  failReason: 'device_jailbroken',
  unknownReason: 'jailbreak_status_unknown',
  platforms: ['ios', 'ipados', 'android'],
});
