export * from './key-manager.js';
export { DEFAULT_ROTATION, rotationPolicyFor, type RotationTimes } from './policy.js';
