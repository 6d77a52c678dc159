/** One access decision, as the policy engine took it (the "decision log"). */
export interface DecisionLogEntry {
  at: Date;
  /** What was asked, e.g. `token`, `authorize`. */
  action: string;
  /** `grant_type` of a token request, `null` at the authorization endpoint. */
  grantType: string | null;
  clientId: string;
  userId: string | null;
  deviceId: string | null;
  audience: string[];
  scope: string[];
  decision: 'allow' | 'deny';
  /** Ids of the policies that determined the decision. */
  policies: string[];
  /** Stable reason codes (deny reasons, compliance reasons). */
  reasons: string[];
}

/** A stored entry: the entry plus the id the store gave it. */
export interface DecisionLogRecord extends DecisionLogEntry {
  id: string;
}

/** Filters for {@link DecisionLogStore.list}; every given filter must match. */
export interface DecisionLogQuery {
  userId?: string | undefined;
  deviceId?: string | undefined;
  clientId?: string | undefined;
  /** Only entries at or after this instant. */
  since?: Date | undefined;
  limit: number;
}

/** Append-only log of access decisions. */
export interface DecisionLogStore {
  /** Append one entry (one insert; called on every token request, so kept cheap). Resolves its id. */
  append(entry: DecisionLogEntry): Promise<string>;
  /** Matching entries, newest first, at most `limit`. */
  list(query: DecisionLogQuery): Promise<DecisionLogRecord[]>;
  /** Delete entries whose `at` is before `before` (retention); returns how many. */
  pruneExpired(before: Date): Promise<number>;
}
