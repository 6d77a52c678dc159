/**
 * Base64url (no padding) SHA-256 digest of a secret value: an opaque token, an authorization code or a
 * client secret. It is the only form in which such secrets reach storage.
 */
export type TokenHash = string;

/** Every record carries a schema version so that adapters can migrate rows in place. */
export interface Versioned {
  readonly v: 1;
}
