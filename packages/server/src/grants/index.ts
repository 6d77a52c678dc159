import { authorizationCode } from './authorization-code.js';
import { clientCredentials } from './client-credentials.js';
import type { Grant } from './define.js';
import { deviceCode } from './device-code.js';
import { refreshToken } from './refresh-token.js';

export { authorizationCode } from './authorization-code.js';
export { clientCredentials } from './client-credentials.js';
export { deviceCode, DEVICE_CODE_GRANT } from './device-code.js';
export { refreshToken } from './refresh-token.js';
export { allowAllAccess, defineGrant } from './define.js';
export type { AccessQuestion, CheckAccess, Grant, GrantDeps, GrantRequest, ResourceLookup, SenderBinding, TokenResponse } from './define.js';
export type { UserGrantServices } from './user-services.js';
export { grantScope, isScopeToken } from './scope.js';
export { isResourceIndicator, selectResourceId } from './resource.js';

/**
 * The grants a server offers unless told otherwise. The three user grants need `GrantDeps.user`
 * (createTessera wires it).
 */
export const builtinGrants: readonly Grant[] = Object.freeze([authorizationCode, clientCredentials, refreshToken, deviceCode]);
