import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ReplayStore } from '@tessera/store';
import { DpopError, verifyDpopProof, type DpopNonces, type VerifiedDpopProof, type VerifyDpopProofOptions } from '@tessera/token';
import { invalidDpopProof, useDpopNonce, type OAuthError } from '../errors.js';
import type { TokenContext } from '../endpoints/token/index.js';
import { callerOf } from '../endpoints/context.js';
import type { DpopConfig } from './config.js';
import { dpopHeaderValues } from './headers.js';

/** Resolves the registered device a DPoP key belongs to (`storage.devices.findByKeyThumbprint`), or null. */
export type DeviceByKey = (jkt: string) => string | null | Promise<string | null>;

export interface DpopTokenStepDeps {
  /** The token endpoint's public URL (issuer + path): the `htu` proofs must name. */
  htu: string;
  config: DpopConfig;
  nonces: DpopNonces;
  replay: Pick<ReplayStore, 'use'>;
  deviceByKey: DeviceByKey;
  now: () => number;
}

/** Browsers must be allowed to read the nonce (CORS) so a SPA can retry with it. */
const EXPOSE = { 'access-control-expose-headers': 'DPoP-Nonce' };

/** Responses (success or error) that must carry a fresh `DPoP-Nonce`, by request. */
const nonceFor = new WeakMap<FastifyRequest, string>();

/**
 * RFC 9449 §8: "the authorization server … provides a nonce value … in the DPoP-Nonce HTTP header".
 * Tessera sends a fresh one after every request that carried a proof, so clients can always have the
 * current nonce without an extra round trip. The token endpoint's own respond() stays unaware of it.
 */
export function registerDpopNonceHeader(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    const nonce = nonceFor.get(request);
    if (nonce !== undefined) reply.header('dpop-nonce', nonce).headers(EXPOSE);
    done(null, payload);
  });
}

function refusal(error: DpopError | string, nonce: string | undefined): OAuthError {
  const headers = nonce === undefined ? undefined : { 'dpop-nonce': nonce, ...EXPOSE };
  if (error instanceof DpopError && error.isNonceError) return useDpopNonce(undefined, { detail: error.reason, headers });
  const reason = typeof error === 'string' ? error : error.reason;
  return invalidDpopProof(undefined, { detail: `dpop: ${reason}`, headers });
}

/**
 * The token endpoint's DPoP step (RFC 9449 §5), run after client authentication and before the grant:
 * - no `DPoP` header: nothing is bound, unless the client registered `dpop_bound_access_tokens`
 *   (RFC 9449 §5.2) → `invalid_dpop_proof`;
 * - more than one header (§4.3 check 1) or an invalid proof (checks 2–11, htm POST, htu this endpoint)
 *   → 400 `invalid_dpop_proof`; a missing/stale nonce when `requireNonce` → 400 `use_dpop_nonce`;
 * - a replayed proof (same jti at this URI within the iat window, §11.1; recorded in the shared replay
 *   store, so every instance sees it) → `invalid_dpop_proof`;
 * - else `ctx.binding = { jkt, deviceId }`: the grant binds its tokens to the key (`cnf.jkt`), and to
 *   the registered device that owns the key, if any.
 */
export function dpopTokenStep(deps: DpopTokenStepDeps): (ctx: TokenContext) => void | Promise<void> {
  const { config, nonces, replay, deviceByKey, now } = deps;
  const options: VerifyDpopProofOptions = {
    htm: 'POST',
    htu: deps.htu,
    maxAge: config.proofMaxAge,
    maxFuture: config.proofMaxFuture,
    algorithms: config.algorithms,
    ...(config.requireNonce ? { nonce: nonces.check } : {}),
  };

  function bind(ctx: TokenContext, proof: VerifiedDpopProof, nonce: string): Promise<void> {
    return replay.use(`dpop:${proof.replayKey}`, new Date(proof.replayUntil * 1000)).then((fresh) => {
      if (!fresh) throw refusal('replayed', nonce);
      const device = deviceByKey(proof.jkt);
      if (device instanceof Promise) {
        return device.then((deviceId) => {
          ctx.binding = { jkt: proof.jkt, deviceId };
        });
      }
      ctx.binding = { jkt: proof.jkt, deviceId: device };
    });
  }

  return function checkDpopProof(ctx) {
    const request = ctx.request;
    const values = dpopHeaderValues(request.raw.rawHeaders, request.headers);
    if (values.length === 0) {
      if (callerOf(ctx).metadata.dpop_bound_access_tokens === true) throw refusal('required by client metadata (RFC 9449 §5.2)', undefined);
      return;
    }
    const nonce = nonces.current();
    nonceFor.set(request, nonce);
    if (values.length > 1) throw refusal('more than one DPoP header', nonce);
    let proof: VerifiedDpopProof;
    try {
      options.now = Math.floor(now() / 1000);
      proof = verifyDpopProof(values[0]!, options);
    } catch (error) {
      if (error instanceof DpopError) throw refusal(error, nonce);
      throw error;
    }
    return bind(ctx, proof, nonce);
  };
}
