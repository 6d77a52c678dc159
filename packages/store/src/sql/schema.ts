import type {
  ClientRecord,
  NewTokenRecord,
  ResourceRecord,
  RevocationRecord,
  SigningKeyRecord,
  TokenRecord,
} from '../contracts/index.js';

/**
 * The one schema both SQL dialects share, typed for Kysely. Conventions, chosen so that a row means
 * the same thing in SQLite and PostgreSQL and one mapper serves both:
 * - instants are `bigint` epoch milliseconds (a JS `Date` has ms precision, so they round-trip exactly);
 *   the PostgreSQL pool parses `int8` to `number` (safe up to year 287 396);
 * - arrays and objects are JSON text in SQLite and `jsonb` in PostgreSQL; both reach JS as JSON text
 *   (the PostgreSQL pool leaves `jsonb` unparsed), so they are written with `JSON.stringify` and read
 *   with `JSON.parse`. PostgreSQL `jsonb` rejects U+0000 in strings;
 * - booleans are integers 0/1 (SQLite has no boolean and better-sqlite3 cannot bind one).
 */
export interface Database {
  clients: ClientsTable;
  resources: ResourcesTable;
  tokens: TokensTable;
  revocations: RevocationsTable;
  signing_keys: SigningKeysTable;
  replay: ReplayTable;
  users: UsersTable;
  sessions: SessionsTable;
  session_clients: SessionClientsTable;
  login_throttle: LoginThrottleTable;
  authorization_codes: AuthorizationCodesTable;
  grants: GrantsTable;
  consent: ConsentTable;
  device_codes: DeviceCodesTable;
  devices: DevicesTable;
  device_keys: DeviceKeysTable;
  device_posture_history: DevicePostureHistoryTable;
  decision_log: DecisionLogTable;
  cutoffs: CutoffsTable;
  ssf_streams: SsfStreamsTable;
  ssf_events: SsfEventsTable;
  pushed_requests: PushedRequestsTable;
  tessera_migrations: MigrationsTable;
}

type Json = string;
type EpochMs = number;

export interface ClientsTable {
  client_id: string;
  name: string;
  secret_hash: string | null;
  auth_methods: Json;
  grant_types: Json;
  scopes: Json;
  resources: Json;
  redirect_uris: Json;
  jwks: Json | null;
  metadata: Json;
  disabled: number;
  created_at: EpochMs;
  updated_at: EpochMs;
}

export interface ResourcesTable {
  id: string;
  name: string;
  token_format: string;
  access_token_ttl: number;
  scopes: Json;
  created_at: EpochMs;
  updated_at: EpochMs;
}

export interface TokensTable {
  hash: string;
  kind: string;
  jti: string;
  client_id: string;
  subject: string;
  audience: Json;
  scope: Json;
  grant_id: string | null;
  jkt: string | null;
  device_id: string | null;
  session_id: string | null;
  claims: Json;
  issued_at: EpochMs;
  expires_at: EpochMs;
  revoked_at: EpochMs | null;
  rotated_at: EpochMs | null;
  successor_hash: string | null;
}

export interface RevocationsTable {
  jti: string;
  client_id: string;
  expires_at: EpochMs;
  revoked_at: EpochMs;
  reason: string;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  state: string;
  public_jwk: Json;
  encrypted_private_key: string;
  created_at: EpochMs;
  activates_at: EpochMs;
  retired_at: EpochMs | null;
  remove_after: EpochMs | null;
}

export interface ReplayTable {
  key: string;
  expires_at: EpochMs;
}

/** The TOTP factor is three columns (present iff `totp_secret` is not null) so its CAS is portable SQL. */
export interface UsersTable {
  id: string;
  username: string;
  email: string | null;
  email_verified: number;
  password_hash: string;
  totp_secret: string | null;
  totp_last_used_step: number | null;
  totp_confirmed_at: EpochMs | null;
  status: string;
  groups: Json;
  created_at: EpochMs;
  updated_at: EpochMs;
}

export interface SessionsTable {
  id_hash: string;
  sid: string;
  user_id: string;
  created_at: EpochMs;
  last_seen_at: EpochMs;
  expires_at: EpochMs;
  idle_timeout_seconds: number;
  amr: Json;
  acr: string | null;
  auth_time: EpochMs;
  revoked_at: EpochMs | null;
}

/** Which clients a session signed into (migration 0006); keyed by the public `sid`, which outlives a replaced row. */
export interface SessionClientsTable {
  sid: string;
  client_id: string;
  added_at: EpochMs;
}

export interface LoginThrottleTable {
  key: string;
  count: number;
  last_at: EpochMs;
  expires_at: EpochMs;
}

export interface AuthorizationCodesTable {
  hash: string;
  client_id: string;
  user_id: string;
  session_id: string | null;
  redirect_uri: string;
  scope: Json;
  resource: Json;
  code_challenge: string;
  code_challenge_method: string;
  nonce: string | null;
  auth_time: EpochMs;
  acr: string | null;
  amr: Json;
  claims: Json;
  dpop_jkt: string | null;
  grant_id: string;
  issued_at: EpochMs;
  expires_at: EpochMs;
  consumed_at: EpochMs | null;
}

export interface GrantsTable {
  id: string;
  user_id: string;
  client_id: string;
  scope: Json;
  resources: Json;
  created_at: EpochMs;
  updated_at: EpochMs;
  revoked_at: EpochMs | null;
}

/** One row per consented item, so that "merge" is a plain `INSERT … ON CONFLICT DO NOTHING`. */
export interface ConsentTable {
  user_id: string;
  client_id: string;
  /** `scope` or `resource`. */
  item_kind: string;
  item: string;
  granted_at: EpochMs;
}

export interface DeviceCodesTable {
  hash: string;
  user_code: string;
  client_id: string;
  scope: Json;
  resource: Json;
  status: string;
  user_id: string | null;
  grant_id: string | null;
  interval_seconds: number;
  last_polled_at: EpochMs | null;
  created_at: EpochMs;
  expires_at: EpochMs;
  /** Bumped by every write; `poll` is a compare-and-set on it. */
  version: number;
  /** The approving sign-in (migration 0005): all four null, or `sign_in_sid`, `auth_time` and `amr` set. */
  sign_in_sid: string | null;
  auth_time: EpochMs | null;
  acr: string | null;
  amr: Json | null;
}

/** The posture is five columns (all null until the first report); compliance three (null until evaluated). */
export interface DevicesTable {
  id: string;
  user_id: string | null;
  platform: string;
  os_version: string;
  uem: string;
  display_name: string;
  posture_event_id: string | null;
  posture_source: string | null;
  posture_reported_at: EpochMs | null;
  posture_received_at: EpochMs | null;
  posture_signals: Json | null;
  compliance_compliant: number | null;
  compliance_reasons: Json | null;
  compliance_evaluated_at: EpochMs | null;
  created_at: EpochMs;
  updated_at: EpochMs;
}

/** `jkt` is the primary key: a key belongs to at most one device. `ordinal` keeps the keys' order. */
export interface DeviceKeysTable {
  jkt: string;
  device_id: string;
  ordinal: number;
  jwk: Json;
  added_at: EpochMs;
}

/** Applied posture reports; the primary key (device_id, event_id) makes event ids idempotent per device. */
export interface DevicePostureHistoryTable {
  device_id: string;
  event_id: string;
  source: string;
  reported_at: EpochMs;
  received_at: EpochMs;
  signals: Json;
}

export interface DecisionLogTable {
  id: string;
  at: EpochMs;
  action: string;
  grant_type: string | null;
  client_id: string;
  user_id: string | null;
  device_id: string | null;
  audience: Json;
  scope: Json;
  decision: string;
  policies: Json;
  reasons: Json;
}

export interface CutoffsTable {
  kind: string;
  id: string;
  at: EpochMs;
  expires_at: EpochMs;
}

export interface SsfStreamsTable {
  id: string;
  audience: Json;
  issuer: string | null;
  delivery_method: string;
  endpoint_url: string | null;
  authorization_header: string | null;
  events_requested: Json;
  events_delivered: Json;
  status: string;
  reason: string | null;
  description: string | null;
  created_at: EpochMs;
  updated_at: EpochMs;
}

/** The outbox; `set_jwt` because `set` is an SQL keyword. */
export interface SsfEventsTable {
  jti: string;
  stream_id: string;
  set_jwt: string;
  created_at: EpochMs;
  status: string;
  attempts: number;
  next_attempt_at: EpochMs;
  lease_until: EpochMs | null;
  last_error: string | null;
  delivered_at: EpochMs | null;
}

/** RFC 9126 pushed authorization requests; `params` is the JSON object of every pushed value. */
export interface PushedRequestsTable {
  hash: string;
  client_id: string;
  params: Json;
  created_at: EpochMs;
  expires_at: EpochMs;
  consumed_at: EpochMs | null;
}

export interface MigrationsTable {
  name: string;
  applied_at: EpochMs;
}

export type ClientRow = ClientsTable;
export type ResourceRow = ResourcesTable;
export type TokenRow = TokensTable;
export type RevocationRow = RevocationsTable;
export type SigningKeyRow = SigningKeysTable;

const ms = (d: Date): number => d.getTime();
const msOrNull = (d: Date | null): number | null => (d === null ? null : d.getTime());
const date = (n: number): Date => new Date(n);
const dateOrNull = (n: number | null): Date | null => (n === null ? null : new Date(n));
const json = (v: unknown): string => JSON.stringify(v);

export function clientToRow(r: ClientRecord): ClientRow {
  return {
    client_id: r.clientId, name: r.name, secret_hash: r.secretHash, auth_methods: json(r.authMethods),
    grant_types: json(r.grantTypes), scopes: json(r.scopes), resources: json(r.resources),
    redirect_uris: json(r.redirectUris), jwks: r.jwks === null ? null : json(r.jwks), metadata: json(r.metadata),
    disabled: r.disabled ? 1 : 0, created_at: ms(r.createdAt), updated_at: ms(r.updatedAt),
  };
}

export function clientFromRow(r: ClientRow): ClientRecord {
  return {
    v: 1, clientId: r.client_id, name: r.name, secretHash: r.secret_hash, authMethods: JSON.parse(r.auth_methods),
    grantTypes: JSON.parse(r.grant_types), scopes: JSON.parse(r.scopes), resources: JSON.parse(r.resources),
    redirectUris: JSON.parse(r.redirect_uris), jwks: r.jwks === null ? null : JSON.parse(r.jwks),
    metadata: JSON.parse(r.metadata), disabled: r.disabled !== 0, createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

export function resourceToRow(r: ResourceRecord): ResourceRow {
  return {
    id: r.id, name: r.name, token_format: r.tokenFormat, access_token_ttl: r.accessTokenTtl, scopes: json(r.scopes),
    created_at: ms(r.createdAt), updated_at: ms(r.updatedAt),
  };
}

export function resourceFromRow(r: ResourceRow): ResourceRecord {
  return {
    v: 1, id: r.id, name: r.name, tokenFormat: r.token_format as ResourceRecord['tokenFormat'],
    accessTokenTtl: r.access_token_ttl, scopes: JSON.parse(r.scopes), createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

export function tokenToRow(r: NewTokenRecord): TokenRow {
  return {
    hash: r.hash, kind: r.kind, jti: r.jti, client_id: r.clientId, subject: r.subject, audience: json(r.audience),
    scope: json(r.scope), grant_id: r.grantId, jkt: r.jkt, device_id: r.deviceId, session_id: r.sessionId,
    claims: json(r.claims), issued_at: ms(r.issuedAt), expires_at: ms(r.expiresAt), revoked_at: msOrNull(r.revokedAt),
    rotated_at: msOrNull(r.rotatedAt ?? null), successor_hash: r.successorHash ?? null,
  };
}

export function tokenFromRow(r: TokenRow): TokenRecord {
  return {
    v: 1, hash: r.hash, kind: r.kind as TokenRecord['kind'], jti: r.jti, clientId: r.client_id, subject: r.subject,
    audience: JSON.parse(r.audience), scope: JSON.parse(r.scope), grantId: r.grant_id, jkt: r.jkt,
    deviceId: r.device_id, sessionId: r.session_id, claims: JSON.parse(r.claims), issuedAt: date(r.issued_at),
    expiresAt: date(r.expires_at), revokedAt: dateOrNull(r.revoked_at), rotatedAt: dateOrNull(r.rotated_at),
    successorHash: r.successor_hash,
  };
}

export function revocationToRow(r: RevocationRecord): RevocationRow {
  return {
    jti: r.jti, client_id: r.clientId, expires_at: ms(r.expiresAt), revoked_at: ms(r.revokedAt), reason: r.reason,
  };
}

export function revocationFromRow(r: RevocationRow): RevocationRecord {
  return {
    jti: r.jti, clientId: r.client_id, expiresAt: date(r.expires_at), revokedAt: date(r.revoked_at), reason: r.reason,
  };
}

export function signingKeyToRow(r: SigningKeyRecord): SigningKeyRow {
  return {
    kid: r.kid, alg: r.alg, state: r.state, public_jwk: json(r.publicJwk), encrypted_private_key: r.encryptedPrivateKey,
    created_at: ms(r.createdAt), activates_at: ms(r.activatesAt), retired_at: msOrNull(r.retiredAt),
    remove_after: msOrNull(r.removeAfter),
  };
}

export function signingKeyFromRow(r: SigningKeyRow): SigningKeyRecord {
  return {
    v: 1, kid: r.kid, alg: r.alg as SigningKeyRecord['alg'], state: r.state as SigningKeyRecord['state'],
    publicJwk: JSON.parse(r.public_jwk), encryptedPrivateKey: r.encrypted_private_key, createdAt: date(r.created_at),
    activatesAt: date(r.activates_at), retiredAt: dateOrNull(r.retired_at), removeAfter: dateOrNull(r.remove_after),
  };
}
