import { booleanSignalCheck } from './boolean-signal.js';

/** Storage encryption is on (FileVault, BitLocker, LUKS, iOS Data Protection, Android FBE). */
export const diskEncryption = booleanSignalCheck({
  id: 'device.disk_encryption',
  description: 'Device storage is encrypted',
  signal: 'diskEncrypted',
  expected: true,
  failReason: 'disk_not_encrypted',
  unknownReason: 'disk_encryption_unknown',
});
