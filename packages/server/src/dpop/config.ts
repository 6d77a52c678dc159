import { z } from 'zod';
import { DPOP_ALGORITHMS, type DpopAlg } from '@tessera/token';
import { duration } from '../config/duration.js';

/** DPoP at the token endpoint (RFC 9449). Proofs are always accepted; these settings tune how strictly. */
export const dpopSchema = z
  .object({
    requireNonce: z
      .boolean()
      .default(false)
      .describe('Demand a server nonce in every proof (RFC 9449 §8): a proof without a current one gets 400 use_dpop_nonce'),
    nonceWindow: duration({ min: 10, max: 3600 })
      .default(60)
      .describe('Each nonce is valid for one to two windows; nonces are stateless HMACs keyed from the master key'),
    proofMaxAge: duration({ min: 5, max: 300 }).default(60).describe('How old a proof\'s iat may be (RFC 9449 §11.1)'),
    proofMaxFuture: duration({ min: 0, max: 60 }).default(5).describe('How far in the future a proof\'s iat may be (client clock skew)'),
    algorithms: z
      .array(z.enum(DPOP_ALGORITHMS as [DpopAlg, ...DpopAlg[]]))
      .min(1)
      .default([...DPOP_ALGORITHMS])
      .describe('Proof algorithms accepted and advertised as dpop_signing_alg_values_supported'),
  })
  .prefault({});

export type DpopConfig = z.output<typeof dpopSchema>;
