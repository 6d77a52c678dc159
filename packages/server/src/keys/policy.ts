import type { RotationPolicy, SigningAlg } from '@tessera/token';

/** Rotation timing in seconds (see `planRotation` in @tessera/token for the life cycle). */
export type RotationTimes = Omit<RotationPolicy, 'alg'>;

const DAY = 24 * 60 * 60;

/**
 * Defaults: a key signs for 30 days; it is published 1 day before it signs (far above any sane JWKS
 * cache lifetime: our JWKS endpoint and the guard cache for minutes); a retired key stays published
 * 2 days (above the longest token it can have signed: access and ID tokens live minutes to hours,
 * refresh tokens are opaque). Raise `retainAfterRetire` if you issue JWTs that live longer.
 */
export const DEFAULT_ROTATION: Readonly<RotationTimes> = Object.freeze({
  rotationPeriod: 30 * DAY,
  publishAhead: DAY,
  retainAfterRetire: 2 * DAY,
});

/** Resolve and validate the timing for one algorithm: defaults ← `policy` ← `policies[alg]`. */
export function rotationPolicyFor(
  alg: SigningAlg,
  policy: Partial<RotationTimes> | undefined,
  policies: Partial<Record<SigningAlg, Partial<RotationTimes>>> | undefined,
): RotationPolicy {
  const resolved: RotationPolicy = { alg, ...DEFAULT_ROTATION, ...policy, ...policies?.[alg] };
  for (const name of ['rotationPeriod', 'publishAhead', 'retainAfterRetire'] as const) {
    const value = resolved[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`keys: ${alg} ${name} must be a positive number of seconds`);
    }
  }
  if (resolved.rotationPeriod < resolved.publishAhead) {
    // Otherwise every next key would wait publishAhead anyway and the period would silently stretch.
    throw new RangeError(`keys: ${alg} rotationPeriod must be at least publishAhead`);
  }
  return resolved;
}
