import { TokenError } from '../errors.js';
import type { JwtPayload } from './types.js';

/** Options of {@link validateClaims}. Times are in seconds since the epoch (NumericDate, RFC 7519 §2). */
export interface ValidateClaimsOptions {
  /** Exact issuer identifier (RFC 8725 §3.8; RFC 9068 §4); checked when given. */
  issuer?: string;
  /** This recipient's identifier, or several (any one suffices); `aud` must contain it (RFC 8725 §3.9). */
  audience?: string | readonly string[];
  /** Current time in seconds; pass a frozen clock in tests. */
  now: number;
  /** Allowed clock skew in seconds for `exp`, `nbf`, `iat`; default 0. */
  clockTolerance?: number;
  /** Claims that must be present (e.g. RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti). */
  required?: readonly string[];
  /** Refuse tokens whose `iat` is older than this many seconds (requires `iat`). */
  maxAge?: number;
  /** `exp` is required unless this is false (DPoP proofs and SETs carry none). */
  requireExp?: boolean;
}

function invalid(claim: string, message: string): never {
  throw new TokenError('invalid_claim', message, { claim });
}

function mustBeString(claim: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'string') invalid(claim, `"${claim}" must be a string`);
}

/** Identifiers name someone or something: an empty string would name no one, so it is refused like a wrong type. */
function mustBeIdentifier(claim: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0)) invalid(claim, `"${claim}" must be a non-empty string`);
}

function mustBeNumericDate(claim: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
    invalid(claim, `"${claim}" must be a NumericDate`);
  }
}

function checkTypes(payload: JwtPayload): void {
  // One named load per claim rather than a loop over names: payloads of one issuer share a shape, so
  // each load stays monomorphic (a keyed load over varying names does not).
  mustBeIdentifier('iss', payload.iss);
  mustBeIdentifier('sub', payload.sub);
  mustBeIdentifier('jti', payload.jti);
  mustBeIdentifier('client_id', payload.client_id);
  mustBeString('scope', payload.scope);
  mustBeIdentifier('sid', payload.sid);
  mustBeString('acr', payload.acr);
  mustBeNumericDate('exp', payload.exp);
  mustBeNumericDate('nbf', payload.nbf);
  mustBeNumericDate('iat', payload.iat);
  mustBeNumericDate('auth_time', payload.auth_time);
  const aud = payload.aud;
  if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) {
    invalid('aud', '"aud" must be a string or an array of strings');
  }
}

/** Registered claims read by name (below); others in a `required` list are read by key. */
const NAMED = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope', 'nbf', 'sid', 'acr', 'auth_time'] as const;
type Named = (typeof NAMED)[number];

/** A `required` list split into registered claims (a bit each) and the rest. */
interface RequiredPlan {
  list: readonly string[];
  /** The list's contents when planned: a caller may change its array between calls. */
  names: readonly string[];
  mask: number;
  others: readonly string[];
}

/** Callers pass the same `required` array on every call (the guard's RFC 9068 list): plan it once. */
let lastPlan: RequiredPlan = { list: [], names: [], mask: 0, others: [] };

function samePlan(plan: RequiredPlan, required: readonly string[]): boolean {
  if (required !== plan.list || required.length !== plan.names.length) return false;
  for (let i = 0; i < required.length; i++) if (required[i] !== plan.names[i]) return false;
  return true;
}

function planFor(required: readonly string[]): RequiredPlan {
  if (samePlan(lastPlan, required)) return lastPlan;
  let mask = 0;
  const others: string[] = [];
  for (const claim of required) {
    const bit = NAMED.indexOf(claim as Named);
    if (bit === -1) others.push(claim);
    else mask |= 1 << bit;
  }
  lastPlan = { list: required, names: [...required], mask, others };
  return lastPlan;
}

/** Bits of the registered claims present, in NAMED order; named loads stay monomorphic per issuer. */
function presentMask(p: JwtPayload): number {
  return (p.iss === undefined ? 0 : 1) | (p.sub === undefined ? 0 : 2) | (p.aud === undefined ? 0 : 4)
    | (p.exp === undefined ? 0 : 8) | (p.iat === undefined ? 0 : 16) | (p.jti === undefined ? 0 : 32)
    | (p.client_id === undefined ? 0 : 64) | (p.scope === undefined ? 0 : 128) | (p.nbf === undefined ? 0 : 256)
    | (p.sid === undefined ? 0 : 512) | (p.acr === undefined ? 0 : 1024) | (p.auth_time === undefined ? 0 : 2048);
}

function checkRequired(payload: JwtPayload, required: readonly string[]): void {
  const plan = planFor(required);
  const missing = plan.mask & ~presentMask(payload);
  if (missing !== 0) {
    // Report the first missing claim in the caller's order.
    const claim = required.find((c) => { const bit = NAMED.indexOf(c as Named); return bit !== -1 && (missing & (1 << bit)) !== 0; })!;
    throw new TokenError('missing_claim', `"${claim}" claim is missing`, { claim });
  }
  for (const claim of plan.others) {
    if (payload[claim] === undefined) throw new TokenError('missing_claim', `"${claim}" claim is missing`, { claim });
  }
}

/**
 * Validate registered claims after `verifyJwt`: types of the claims; required claims present; exact
 * `iss`; `aud` contains the audience; `exp` (RFC 7519 §4.1.4: now must be before it), `nbf` (§4.1.5) and
 * `iat` (not in the future, optionally not older than `maxAge`) with `clockTolerance`. Throws
 * {@link TokenError}: missing_claim, invalid_claim, wrong_issuer, wrong_audience, expired,
 * not_yet_valid, issued_in_future, too_old.
 */
export function validateClaims(payload: JwtPayload, options: ValidateClaimsOptions): void {
  checkTypes(payload);
  if (options.requireExp !== false && payload.exp === undefined) {
    throw new TokenError('missing_claim', '"exp" claim is missing', { claim: 'exp' });
  }
  if (options.required !== undefined) checkRequired(payload, options.required);
  if (options.issuer !== undefined && payload.iss !== options.issuer) {
    throw new TokenError('wrong_issuer', 'JWT "iss" is not the expected issuer', { claim: 'iss' });
  }
  if (options.audience !== undefined) {
    const expected = options.audience;
    const aud = payload.aud;
    const found =
      typeof expected === 'string'
        ? aud === expected || (Array.isArray(aud) && aud.includes(expected))
        : typeof aud === 'string'
          ? expected.includes(aud)
          : Array.isArray(aud) && aud.some((a) => expected.includes(a));
    if (!found) throw new TokenError('wrong_audience', 'JWT "aud" does not name this audience', { claim: 'aud' });
  }
  const now = options.now;
  const tolerance = options.clockTolerance ?? 0;
  if (payload.exp !== undefined && now >= payload.exp + tolerance) {
    throw new TokenError('expired', 'JWT has expired', { claim: 'exp' });
  }
  if (payload.nbf !== undefined && now + tolerance < payload.nbf) {
    throw new TokenError('not_yet_valid', 'JWT is not valid yet', { claim: 'nbf' });
  }
  if (payload.iat !== undefined && payload.iat > now + tolerance) {
    throw new TokenError('issued_in_future', 'JWT "iat" is in the future', { claim: 'iat' });
  }
  if (options.maxAge !== undefined) {
    if (payload.iat === undefined) throw new TokenError('missing_claim', '"iat" claim is missing', { claim: 'iat' });
    if (now - payload.iat > options.maxAge + tolerance) {
      throw new TokenError('too_old', 'JWT is older than allowed', { claim: 'iat' });
    }
  }
}
