import { GuardError } from './errors.js';
import type { AccessTokenClaims, AuthResult } from './result.js';

/** What a route demands of a valid token. All given conditions must hold. */
export interface Requirements {
  /** Every one of these scopes (all-of). */
  scopes?: readonly string[];
  /** At least one of these scopes (any-of). */
  anyScope?: readonly string[];
  /** Claim predicates: each must return true (e.g. `{ tenant: (v) => v === 'acme' }`). */
  claims?: Readonly<Record<string, (value: unknown, claims: Readonly<AccessTokenClaims>) => boolean>>;
  /** Acceptable `acr` values (RFC 9470): any other (or none) → `insufficient_user_authentication`. */
  acr?: readonly string[];
  /** Maximum seconds since `auth_time` (RFC 9470): older or absent → `insufficient_user_authentication`. */
  maxAge?: number;
}

/** A compiled requirement check: throws GuardError, returns nothing. */
export type RequirementCheck = (result: AuthResult, nowSeconds: number) => void;

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
// RFC 9470 §3 / OIDC Core: acr values are space-separated strings of the same alphabet.
const ACR_VALUE = SCOPE_TOKEN;

/**
 * Validate requirements once (throwing TypeError on bad input, STYLE A11) and compile them into one
 * check. Scopes are checked first (stepping up cannot fix a missing scope), then claims, then the
 * authentication event (acr, auth_time).
 */
export function compileRequirements(req: Requirements | undefined, where: string): RequirementCheck | undefined {
  if (req === undefined) return undefined;
  const allOf = stringList(req.scopes, `${where}.scopes`, SCOPE_TOKEN);
  const anyOf = stringList(req.anyScope, `${where}.anyScope`, SCOPE_TOKEN);
  const acr = stringList(req.acr, `${where}.acr`, ACR_VALUE);
  const predicates = Object.entries(req.claims ?? {});
  for (const [name, fn] of predicates) {
    if (typeof fn !== 'function') throw new TypeError(`${where}.claims.${name} must be a function`);
  }
  const { maxAge } = req;
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 0)) {
    throw new TypeError(`${where}.maxAge must be a non-negative integer (seconds)`);
  }
  // RFC 6750 §3: the scope attribute names the scopes needed; for any-of, every alternative is listed.
  const scopeHint = [...allOf, ...anyOf].join(' ');
  const acrHint = acr.join(' ');
  if (allOf.length + anyOf.length + acr.length + predicates.length === 0 && maxAge === undefined) return undefined;

  return function checkRequirements(result, nowSeconds) {
    for (const scope of allOf) {
      if (!result.scopes.has(scope)) throw new GuardError('insufficient_scope', `scope ${scope} missing`, { scope: scopeHint });
    }
    if (anyOf.length > 0 && !anyOf.some((scope) => result.scopes.has(scope))) {
      throw new GuardError('insufficient_scope', 'none of the any-of scopes present', { scope: scopeHint });
    }
    for (const [name, fn] of predicates) {
      if (fn(result.claims[name], result.claims) !== true) throw new GuardError('insufficient_scope', `claim ${name} predicate failed`);
    }
    if (acr.length > 0) {
      const value = result.claims.acr;
      if (typeof value !== 'string' || !acr.includes(value)) {
        throw new GuardError('insufficient_user_authentication', 'acr not acceptable', { acrValues: acrHint, ...(maxAge === undefined ? {} : { maxAge }) });
      }
    }
    if (maxAge !== undefined) {
      const authTime = result.claims.auth_time;
      if (typeof authTime !== 'number' || nowSeconds - authTime > maxAge) {
        throw new GuardError('insufficient_user_authentication', 'auth_time too old or absent', { maxAge, ...(acr.length ? { acrValues: acrHint } : {}) });
      }
    }
  };
}

/** Run several compiled checks in order. */
export function combineChecks(...checks: (RequirementCheck | undefined)[]): RequirementCheck | undefined {
  const present = checks.filter((c) => c !== undefined);
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return (result, now) => {
    for (const check of present) check(result, now);
  };
}

function stringList(value: readonly string[] | undefined, name: string, pattern: RegExp): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array of strings`);
  for (const item of value) {
    if (typeof item !== 'string' || !pattern.test(item)) throw new TypeError(`${name} holds an invalid value ${JSON.stringify(item)}`);
  }
  return [...value];
}
