/**
 * What a cutoff revokes: every token of one device, one session, or one subject (user) — the way to
 * revoke self-contained JWT access tokens that were never stored, by who or what they belong to.
 */
export type CutoffKind = 'device' | 'session' | 'subject';

/**
 * Tokens of `kind`/`id` issued at or before `at` are revoked. The entry lives until `expiresAt`, when
 * every token it could revoke has expired anyway (`at` + the longest token lifetime).
 */
export interface CutoffRecord {
  kind: CutoffKind;
  id: string;
  at: Date;
  expiresAt: Date;
}

/** Revocation cutoffs, keyed by (kind, id). */
export interface CutoffStore {
  /**
   * Upsert in one statement, keeping the LATER `at` (and its `expiresAt`): a cutoff never moves back, so
   * two nodes racing can only revoke more. Resolves the stored record after the call.
   */
  set(record: CutoffRecord): Promise<CutoffRecord>;
  get(kind: CutoffKind, id: string): Promise<CutoffRecord | undefined>;
  /** Cutoffs with `at` at or after `since`, oldest first, at most `limit`: lets resource servers catch up. */
  listSince(since: Date, limit: number): Promise<CutoffRecord[]>;
  /** Delete cutoffs whose `expiresAt` is before `before`; returns how many. */
  pruneExpired(before: Date): Promise<number>;
}
