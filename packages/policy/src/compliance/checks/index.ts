export { diskEncryption } from './disk-encryption.js';
export { passcodeCompliance } from './passcode.js';
export { jailbreakDetection } from './jailbreak.js';
export { managedDevice } from './managed.js';
export { osVersionAtLeast } from './os-version.js';
export { reportFreshness } from './freshness.js';
