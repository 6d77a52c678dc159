import type { AuthorizationCodeStore } from './authorization-codes.js';
import type { ClientStore } from './clients.js';
import type { CutoffStore } from './cutoffs.js';
import type { DecisionLogStore } from './decision-log.js';
import type { DeviceCodeStore } from './device-codes.js';
import type { DeviceStore } from './devices.js';
import type { GrantStore } from './grants.js';
import type { KeyStore } from './keys.js';
import type { LoginThrottleStore } from './login-throttle.js';
import type { PushedRequestStore } from './pushed-requests.js';
import type { ReplayStore } from './replay.js';
import type { ResourceStore } from './resources.js';
import type { RevocationStore } from './revocations.js';
import type { SessionStore } from './sessions.js';
import type { SsfEventStore, SsfStreamStore } from './ssf.js';
import type { TokenStore } from './tokens.js';
import type { UserStore } from './users.js';

export type * from './authorization-codes.js';
export type * from './clients.js';
export type * from './cutoffs.js';
export type * from './decision-log.js';
export type * from './device-codes.js';
export type * from './devices.js';
export type * from './grants.js';
export type * from './common.js';
export type * from './keys.js';
export type * from './login-throttle.js';
export type * from './pushed-requests.js';
export type * from './replay.js';
export type * from './resources.js';
export type * from './revocations.js';
export type * from './sessions.js';
export type * from './ssf.js';
export type * from './tokens.js';
export type * from './users.js';

/**
 * Everything the server persists, one slice per concern. Code that needs storage takes only the
 * slices it uses, e.g. `Pick<Storage, 'clients' | 'tokens'>`.
 */
export interface Storage {
  /** Which adapter this is, for logs and `/readyz`. */
  readonly kind: 'sqlite' | 'postgres' | 'memory';
  readonly clients: ClientStore;
  readonly resources: ResourceStore;
  readonly tokens: TokenStore;
  readonly revocations: RevocationStore;
  readonly keys: KeyStore;
  readonly replay: ReplayStore;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly loginThrottle: LoginThrottleStore;
  readonly authorizationCodes: AuthorizationCodeStore;
  readonly grants: GrantStore;
  readonly deviceCodes: DeviceCodeStore;
  /** Registered devices, their keys and posture history (device trust, issue 5). */
  readonly devices: DeviceStore;
  /** Every access-policy decision (allow and deny), for the admin API. */
  readonly decisionLog: DecisionLogStore;
  /** Revocation of JWTs by device, session or subject. */
  readonly cutoffs: CutoffStore;
  /** The SSF transmitter's streams. */
  readonly ssfStreams: SsfStreamStore;
  /** The SSF transmitter's outbox of SETs. */
  readonly ssfEvents: SsfEventStore;
  /** Pushed authorization requests (RFC 9126), single use, pruned when expired. */
  readonly pushedRequests: PushedRequestStore;
  /** Apply pending migrations; safe to call on every start and from several nodes at once. */
  migrate(): Promise<void>;
  /** Cheap round-trip proving the backend answers (used by `/readyz`). */
  ping(): Promise<void>;
  /**
   * Delete expired rows from every slice; returns counts per slice: `tokens`, `revocations`, `replay`,
   * `sessions`, `loginThrottle`, `authorizationCodes`, `deviceCodes`, `grants`, `cutoffs`, `pushedRequests` (each slice's
   * own `pruneExpired`), `ssfEvents` (delivered before `before`) and `keys` (retired keys whose
   * `removeAfter` is before `before`). The decision log and device posture history are records, not
   * expiring state: they are kept for a retention period and pruned by their own
   * `decisionLog.pruneExpired` / `devices.pruneHistory`, which the server calls with its retention.
   */
  pruneExpired(before: Date): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** Thrown when a create/insert meets an existing key. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(readonly entity: string, readonly key: string) {
    super(`${entity} ${key} already exists`);
  }
}
