export { DPOP_ALGORITHMS, isDpopAlg, type DpopAlg } from './algorithms.js';
export { DpopError, isDpopError, type DpopErrorReason } from './errors.js';
export { normalizeHtu } from './htu.js';
export {
  accessTokenHash,
  DEFAULT_DPOP_MAX_AGE,
  DEFAULT_DPOP_MAX_FUTURE,
  verifyDpopProof,
  type VerifiedDpopProof,
  type VerifyDpopProofOptions,
} from './verify.js';
export { createDpopProof, dpopKeyThumbprint, type CreateDpopProofOptions } from './create.js';
export { createDpopNonces, type DpopNonceOptions, type DpopNonces } from './nonce.js';
