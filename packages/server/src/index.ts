/**
 * @tessera/server — the authorization server: configuration, endpoints as ordered steps, grants as
 * registered units, client authentication, and the admin operations the CLI uses.
 */
export * from './errors.js';
export { createTessera, type PublicConfig, type Tessera, type TesseraOptions } from './tessera.js';
export { createAdmin, AdminError, type Admin, type AdminOptions, type CreatedClient, type CreateClientInput, type CreateClientWithoutSecretInput, type CreateResourceInput } from './admin/index.js';
export { ID_TOKEN_ALGS, type AdminIssue, type OidcClientMetadata, type UserAdmin, type UserView, type CreateUserAdminInput, type Revoked } from './admin/index.js';
export {
  configSchema,
  resolveConfig,
  ConfigError,
  parseDuration,
  type TesseraConfig,
  type TesseraConfigInput,
  type KeysConfig,
  type OperationsConfig,
  type ServerConfig,
  type StoreConfig,
  type TtlConfig,
  type TokensConfig,
  type AccountsConfig,
  type InteractionConfig,
} from './config/index.js';
export { configReference, configReferenceMarkdown, type ConfigEntry } from './config/reference.js';
export {
  authorizationCode,
  builtinGrants,
  clientCredentials,
  defineGrant,
  deviceCode,
  DEVICE_CODE_GRANT,
  refreshToken,
  type Grant,
  type GrantDeps,
  type GrantRequest,
  type TokenResponse,
  type UserGrantServices,
} from './grants/index.js';
export type { ClientAuthenticator, ClientAuthInput, PresentedCredentials } from './client-auth/index.js';
export { PATHS } from './endpoints/discovery.js';
export { OIDC_SCOPES } from './oidc/claims.js';
export { INTERACTION_PATHS, COOKIES as INTERACTION_COOKIES, CODE_LIFETIME_SECONDS, type AuthorizationRequest } from './authorize/index.js';
export { KeyManager, type KeyListing, type KeyManagerOptions } from './keys/index.js';
export { StorageUnavailableError, markStorageFailures } from './storage/unavailable.js';
export { createEventBus, type EventBus, type ServerEventListener, type ServerEventName, type ServerEvents } from './events/bus.js';
export { startBackchannelLogout, signLogoutToken, type BackchannelLogout, type BackchannelLogoutDeps, type DeliveryResult } from './logout/index.js';
export { AccessDeniedError, createDecisionAdmin, DEVICE_TRUST_PRESET, type DecisionAdmin } from './access/index.js';
export type { DeviceTrust } from './cae/install.js';
export { SSF_PATHS, DEVICE_COMPLIANCE_CHANGE, SESSION_REVOKED, VERIFICATION, type Ssf } from './ssf/index.js';
export { createDeviceAdmin, type DeviceAdmin, type DeviceAdminOptions, type DeviceTokenView } from './admin/index.js';
export {
  ADMIN_PREFIX,
  ADMIN_SCOPES,
  adminAudience,
  adminHttpPlugin,
  installAdminHttp,
  viewClient,
  type AdminConfig,
  type AdminHttpDeps,
  type AdminPrincipal,
  type ClientView,
  type DeviceSessionView,
} from './admin-http/index.js';
export { createDeviceRegistry, createComplianceEvaluator, describeReason, parseDeviceKey, type DeviceRegistry, type DeviceView, type ComplianceView, type EnrolDeviceInput, type ReportOutcome, type DevicesConfig } from './devices/index.js';
export { signWebhook, verifyWebhookSignature } from './signals/hmac.js';
