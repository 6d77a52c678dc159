export { dpopSchema, type DpopConfig } from './config.js';
export { dpopHeaderValues } from './headers.js';
export { dpopNonceSecret } from './nonce-secret.js';
export { createResourceDpopCheck, type ResourceDpopCheck, type TokenScheme } from './resource.js';
export { dpopTokenStep, registerDpopNonceHeader, type DeviceByKey, type DpopTokenStepDeps } from './token-step.js';
export { installDpop, type DpopFeature } from './install.js';
