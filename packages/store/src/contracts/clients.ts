import type { Versioned } from './common.js';

/** How a client authenticates at the token, introspection and revocation endpoints. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/** A registered OAuth client (RFC 6749 §2). */
export interface ClientRecord extends Versioned {
  clientId: string;
  name: string;
  /** SHA-256 of the server-generated secret (base64url); `null` for public and `private_key_jwt` clients. */
  secretHash: string | null;
  /** Methods this client may use; exactly one is used per request (RFC 6749 §2.3). */
  authMethods: ClientAuthMethod[];
  grantTypes: string[];
  /** Scopes the client may request. */
  scopes: string[];
  /** Resource indicators (RFC 8707) the client may request tokens for; the first is its default. */
  resources: string[];
  redirectUris: string[];
  /** Public keys for `private_key_jwt` (RFC 7523), as a JWK Set. */
  jwks: { keys: Record<string, unknown>[] } | null;
  /** Free-form, validated by the server (e.g. logout URIs, DPoP requirements). */
  metadata: Record<string, unknown>;
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** Clients, keyed by `clientId`. */
export interface ClientStore {
  /** Insert a new client. Rejects with {@link ConflictError} if `clientId` exists. */
  create(record: ClientRecord): Promise<void>;
  /** The client, or `undefined`. */
  get(clientId: string): Promise<ClientRecord | undefined>;
  /** All clients, ordered by `createdAt`. */
  list(): Promise<ClientRecord[]>;
  /** Replace the stored record (matched by `clientId`). Returns false when no such client exists. */
  update(record: ClientRecord): Promise<boolean>;
  /** Delete; returns false when there was nothing to delete. */
  delete(clientId: string): Promise<boolean>;
}
