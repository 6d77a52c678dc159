import { clientCredentials } from './client-credentials.js';
import type { Grant } from './define.js';

export { clientCredentials } from './client-credentials.js';
export { allowAllAccess, defineGrant } from './define.js';
export type { AccessQuestion, CheckAccess, Grant, GrantDeps, GrantRequest, ResourceLookup, SenderBinding, TokenResponse } from './define.js';
export { grantScope, isScopeToken } from './scope.js';
export { isResourceIndicator, selectResourceId } from './resource.js';

/** The grants a server offers unless told otherwise. authorization_code, refresh_token and device_code join in issue 3. */
export const builtinGrants: readonly Grant[] = Object.freeze([clientCredentials]);
