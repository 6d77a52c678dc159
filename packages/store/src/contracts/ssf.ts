/** Stream status (OpenID SSF 1.0 §8.1.2). */
export type SsfStreamStatus = 'enabled' | 'paused' | 'disabled';

/** An SSF stream of Tessera's transmitter: one receiver's configuration (OpenID SSF 1.0 §8.1.1). */
export interface SsfStreamRecord {
  id: string;
  /** The receiver(s): the SETs' `aud`. */
  audience: string[];
  /** Overrides the transmitter's `iss` for this stream, if set. */
  issuer?: string | undefined;
  /** `push` (RFC 8935) or `poll` (RFC 8936). */
  deliveryMethod: 'push' | 'poll';
  /** The receiver's push endpoint; `null` for poll streams. */
  endpointUrl: string | null;
  /** Sent as `Authorization` on push; a secret: never logged. */
  authorizationHeader: string | null;
  eventsRequested: string[];
  eventsDelivered: string[];
  status: SsfStreamStatus;
  /** Why the status was last changed (SSF §8.1.2.2), or `null`. */
  reason: string | null;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Stream configurations. */
export interface SsfStreamStore {
  /** Insert; rejects with `ConflictError` on an existing id. */
  create(record: SsfStreamRecord): Promise<void>;
  get(id: string): Promise<SsfStreamRecord | undefined>;
  /** Every stream, oldest first. */
  list(): Promise<SsfStreamRecord[]>;
  /** Replace the stored record; `false` when there is no such stream. */
  update(record: SsfStreamRecord): Promise<boolean>;
  /** Delete the stream and its queued events in one transaction; `false` when there was none. */
  delete(id: string): Promise<boolean>;
}

/** A SET waiting in the outbox of one stream. */
export interface SsfEventRecord {
  streamId: string;
  /** The SET's `jti`; unique across all streams. */
  jti: string;
  /** The signed SET (compact JWS). */
  set: string;
  createdAt: Date;
  /** `pending` until pushed successfully or acknowledged by a poller (RFC 8936). */
  status: 'pending' | 'delivered';
  /** Push attempts so far (incremented by every claim). */
  attempts: number;
  /** Push: not claimed again before this instant. */
  nextAttemptAt: Date;
  /** Push: the current claim's lease end, or `null` when not claimed. */
  leaseUntil: Date | null;
  /** The last push failure, for operators. */
  lastError: string | null;
  deliveredAt: Date | null;
}

/** What {@link SsfEventStore.enqueue} takes. */
export interface NewSsfEvent {
  streamId: string;
  jti: string;
  set: string;
  createdAt: Date;
}

/**
 * The transmitter's outbox. A SET is written here before delivery, so a crash between the event and the
 * push loses nothing: push workers claim due events with a lease, poll receivers read and acknowledge.
 */
export interface SsfEventStore {
  /** Insert as `pending`, due at `createdAt`; rejects with `ConflictError` on an existing `jti`. */
  enqueue(event: NewSsfEvent): Promise<void>;
  /** Poll (RFC 8936): a stream's pending events, oldest first, at most `max`. */
  listPending(streamId: string, max: number): Promise<SsfEventRecord[]>;
  /** Poll (RFC 8936 §2.4 `ack`): mark these of the stream's events delivered; returns how many changed. */
  acknowledge(streamId: string, jtis: string[], at: Date): Promise<number>;
  /**
   * Push: atomically claim up to `limit` pending events of `enabled` `push` streams that are due
   * (`nextAttemptAt <= now`) and not under a live lease, oldest first: each gets `leaseUntil = now +
   * leaseSeconds` and `attempts + 1`. Two workers (or nodes) never claim the same event under one lease;
   * an event whose worker died is claimed again once its lease ends.
   */
  claimDue(now: Date, limit: number, leaseSeconds: number): Promise<SsfEventRecord[]>;
  /** Push succeeded: `delivered`, lease cleared. `false` when no such event. */
  markDelivered(jti: string, at: Date): Promise<boolean>;
  /** Push failed: stays `pending`, lease cleared, due again at `nextAttemptAt`. `false` when no such event. */
  markFailed(jti: string, nextAttemptAt: Date, error: string): Promise<boolean>;
  /** Delete delivered events delivered before `before`; returns how many. */
  pruneDelivered(before: Date): Promise<number>;
}
