export { createGuard, type Guard } from './guard.js';
export type { GuardOptions, GuardLogger } from './options.js';
export { GuardError, isGuardError, buildChallenge, type GuardErrorCode, type ChallengeParams } from './errors.js';
export type { AuthResult, AccessTokenClaims } from './result.js';
export type { Requirements } from './requirements.js';
export type { DenyEntry } from './deny-list.js';
export type { RequestLike, HeaderBag } from './extract.js';
export type { FetchLike } from './http.js';
export { SUPPORTED_ALGORITHMS, DEFAULT_ALGORITHMS, type JwsAlgorithm } from './algorithms.js';
