import type { SigningAlg } from './keys/algorithms.js';

/**
 * Signing-key rotation as a pure planner: given the stored keys and the time, say what to do. Storage
 * applies each action with a compare-and-set, so several nodes planning from the same view apply each
 * step once, and a crash between steps leaves a state the next run repairs.
 *
 * Life cycle (issue 2; OpenID Connect Core §10.1.1): `next` is published in the JWKS and signs nothing
 * for at least `publishAhead` (≥ the JWKS cache lifetime of verifiers), then becomes `current` (signs);
 * the old `current` becomes `retired` and stays published for `retainAfterRetire` (≥ the longest token
 * lifetime) so every token it signed keeps verifying; then it is deleted.
 */
export type KeyState = 'next' | 'current' | 'retired';

/** The fields of a stored key the planner reads (a `SigningKeyRecord` of @tessera/store fits). */
export interface KeyView {
  kid: string;
  alg: SigningAlg;
  state: KeyState;
  createdAt: Date;
  activatesAt: Date;
  retiredAt: Date | null;
  removeAfter: Date | null;
}

/** Rotation timing for one algorithm; all durations in seconds. */
export interface RotationPolicy {
  alg: SigningAlg;
  /** How long a key stays `current`. */
  rotationPeriod: number;
  /** How long a key is published before it signs: at least the verifiers' JWKS cache lifetime. */
  publishAhead: number;
  /** How long a retired key stays published: at least the longest lifetime of a token it signed. */
  retainAfterRetire: number;
}

export type RotationAction =
  /** Bootstrap only: nothing can sign yet, so a key becomes current at once. */
  | { type: 'create-current'; alg: SigningAlg; activatesAt: Date }
  | { type: 'create-next'; alg: SigningAlg; activatesAt: Date }
  /** `next` → `current` (CAS on state `next`). */
  | { type: 'activate'; kid: string; activatesAt: Date }
  /** `current` (or a surplus `next`) → `retired` (CAS on `from`). */
  | { type: 'retire'; kid: string; from: 'current' | 'next'; retiredAt: Date; removeAfter: Date }
  | { type: 'delete'; kid: string };

const seconds = (date: Date, s: number) => new Date(date.getTime() + s * 1000);

/** Whether a key belongs in the JWKS at `now`: next, current, or retired and not yet past `removeAfter`. */
export function isPublished(key: KeyView, now: Date): boolean {
  return key.state !== 'retired' || (key.removeAfter !== null && key.removeAfter.getTime() > now.getTime());
}

/**
 * Among several `current` keys (two nodes bootstrapping at once, or a crash between "activate" and
 * "retire") the one every node keeps: latest `activatesAt`, then smallest `kid`.
 */
export function preferredCurrent<K extends KeyView>(keys: readonly K[], alg: SigningAlg): K | undefined {
  let best: K | undefined;
  for (const key of keys) {
    if (key.alg !== alg || key.state !== 'current') continue;
    const t = key.activatesAt.getTime();
    const b = best?.activatesAt.getTime();
    if (best === undefined || t > b! || (t === b && key.kid < best.kid)) best = key;
  }
  return best;
}

function checkPolicy(policy: RotationPolicy): void {
  for (const name of ['rotationPeriod', 'publishAhead', 'retainAfterRetire'] as const) {
    const value = policy[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`rotation policy ${name} must be a positive number of seconds`);
    }
  }
}

/** Plan the actions for `policy.alg` at `now`. Pure: same input, same output. */
export function planRotation(keys: readonly KeyView[], now: Date, policy: RotationPolicy): RotationAction[] {
  checkPolicy(policy);
  const { alg, rotationPeriod, publishAhead, retainAfterRetire } = policy;
  const mine = keys.filter((key) => key.alg === alg);
  const actions: RotationAction[] = [];
  const retire = (kid: string, from: 'current' | 'next', removeAfter: Date) =>
    actions.push({ type: 'retire', kid, from, retiredAt: now, removeAfter });

  // Retired keys leave once every token they signed has expired.
  for (const key of mine) {
    if (key.state !== 'retired') continue;
    const removeAfter = key.removeAfter ?? seconds(key.retiredAt ?? key.createdAt, retainAfterRetire);
    if (removeAfter.getTime() <= now.getTime()) actions.push({ type: 'delete', kid: key.kid });
  }

  // Exactly one current: surplus currents may have signed, so they retire with the full retention.
  const current = preferredCurrent(mine, alg);
  for (const key of mine) {
    if (key.state === 'current' && key !== current) retire(key.kid, 'current', seconds(now, retainAfterRetire));
  }
  // At most one next (oldest wins); a surplus next never signed, so it may leave the JWKS at once.
  const nexts = mine
    .filter((key) => key.state === 'next')
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.kid < b.kid ? -1 : 1));
  const next = nexts[0];
  for (const extra of nexts.slice(1)) retire(extra.kid, 'next', now);

  if (current === undefined) {
    // Nothing signs: promote the published next if there is one, else bootstrap a current key.
    if (next !== undefined) actions.push({ type: 'activate', kid: next.kid, activatesAt: now });
    else actions.push({ type: 'create-current', alg, activatesAt: now });
    actions.push({ type: 'create-next', alg, activatesAt: seconds(now, rotationPeriod) });
    return actions;
  }

  if (
    next !== undefined &&
    next.activatesAt.getTime() <= now.getTime() &&
    seconds(next.createdAt, publishAhead).getTime() <= now.getTime()
  ) {
    // Activate before retiring: a reader between the two steps sees two currents (repaired above),
    // never none.
    actions.push({ type: 'activate', kid: next.kid, activatesAt: now });
    retire(current.kid, 'current', seconds(now, retainAfterRetire));
    actions.push({ type: 'create-next', alg, activatesAt: seconds(now, rotationPeriod) });
  } else if (next === undefined) {
    const due = Math.max(seconds(current.activatesAt, rotationPeriod).getTime(), seconds(now, publishAhead).getTime());
    actions.push({ type: 'create-next', alg, activatesAt: new Date(due) });
  }
  return actions;
}

/**
 * Plan the wind-down of an algorithm no longer configured: its current key retires with the full
 * retention (tokens it signed must keep verifying), a next key (never used) leaves at once, and
 * retired keys are deleted once past `removeAfter`. Nothing new is created.
 */
export function planDecommission(
  keys: readonly KeyView[],
  now: Date,
  alg: SigningAlg,
  retainAfterRetire: number,
): RotationAction[] {
  const actions: RotationAction[] = [];
  for (const key of keys) {
    if (key.alg !== alg) continue;
    if (key.state === 'current') {
      actions.push({ type: 'retire', kid: key.kid, from: 'current', retiredAt: now, removeAfter: seconds(now, retainAfterRetire) });
    } else if (key.state === 'next') {
      actions.push({ type: 'retire', kid: key.kid, from: 'next', retiredAt: now, removeAfter: now });
    } else {
      const removeAfter = key.removeAfter ?? seconds(key.retiredAt ?? key.createdAt, retainAfterRetire);
      if (removeAfter.getTime() <= now.getTime()) actions.push({ type: 'delete', kid: key.kid });
    }
  }
  return actions;
}
