import type { CutoffKind, CutoffStore } from '@tessera/store';

/** The claims of a self-contained token that a cut-off can name. */
export interface CutoffSubject {
  /** Seconds since the epoch. */
  readonly iat: number;
  readonly subject: string;
  readonly deviceId?: string | undefined;
  readonly sessionId?: string | undefined;
}

/**
 * Whether a JWT is revoked by a cut-off (see `startCae`): its device, session or subject was cut off at
 * or after the token's `iat`. `iat` has whole seconds, so a token issued in the same second as the
 * cut-off counts as before it (fail safe: a device that was just re-admitted waits at most a second).
 */
export async function isCutOff(cutoffs: Pick<CutoffStore, 'get'>, token: CutoffSubject): Promise<boolean> {
  const named: [CutoffKind, string][] = [['subject', token.subject]];
  if (token.deviceId !== undefined) named.push(['device', token.deviceId]);
  if (token.sessionId !== undefined) named.push(['session', token.sessionId]);
  const found = await Promise.all(named.map(([kind, id]) => cutoffs.get(kind, id)));
  const issuedMs = token.iat * 1000;
  return found.some((cutoff) => cutoff !== undefined && cutoff.at.getTime() >= issuedMs);
}
