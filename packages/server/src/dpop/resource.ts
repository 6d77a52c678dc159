import type { FastifyRequest } from 'fastify';
import type { ReplayStore } from '@tessera/store';
import { DpopError, verifyDpopProof } from '@tessera/token';
import { OAuthError } from '../errors.js';
import { tokenChallenge } from './challenge.js';
import type { DpopConfig } from './config.js';
import { dpopHeaderValues } from './headers.js';

/** How the access token arrived: the `Authorization` scheme, lower-cased. */
export type TokenScheme = 'bearer' | 'dpop';

/** Checks the sender constraint of an access token presented to one of the server's own resources (e.g. /userinfo). */
export type ResourceDpopCheck = (request: FastifyRequest, scheme: TokenScheme, token: string, boundJkt: string | null) => Promise<void>;

/**
 * For endpoints of this server that accept access tokens (OIDC `/userinfo`), RFC 9449 §7:
 * - a token bound to a key (`cnf.jkt`) must come with the `DPoP` scheme and exactly one valid proof
 *   whose `htm`/`htu` fit this request, whose `ath` is the token's hash and whose key is the bound one;
 *   the proof's jti is recorded in the shared replay store;
 * - a bound token sent as `Bearer` (§7.2) and an unbound token sent as `DPoP` are refused.
 * Refusals are 401 with `WWW-Authenticate: DPoP …` or `Bearer …` (§7.1), as OAuthErrors.
 * `htu` is the issuer's origin plus the request path, so it holds behind a proxy that preserves paths.
 */
export function createResourceDpopCheck(deps: {
  issuer: string;
  config: DpopConfig;
  replay: Pick<ReplayStore, 'use'>;
  now: () => number;
}): ResourceDpopCheck {
  const origin = new URL(deps.issuer).origin;
  const algs = deps.config.algorithms.join(' ');
  const fail = (scheme: TokenScheme, code: 'invalid_token' | 'invalid_dpop_proof', detail: string) => {
    const challenge = scheme === 'dpop' || code === 'invalid_dpop_proof'
      ? tokenChallenge('DPoP', { error: code, algs })
      : tokenChallenge('Bearer', { error: code });
    return new OAuthError(code, 401, code === 'invalid_token' ? 'the access token is invalid' : 'the DPoP proof is invalid', {
      detail,
      headers: { 'www-authenticate': challenge },
    });
  };

  return async function checkResourceDpop(request, scheme, token, boundJkt) {
    if (scheme === 'bearer') {
      if (boundJkt !== null) throw fail('bearer', 'invalid_token', 'DPoP-bound token sent as Bearer (RFC 9449 §7.2)');
      return;
    }
    if (boundJkt === null) throw fail('dpop', 'invalid_token', 'token is not DPoP-bound but sent with the DPoP scheme');
    const values = dpopHeaderValues(request.raw.rawHeaders, request.headers);
    if (values.length !== 1) throw fail('dpop', 'invalid_dpop_proof', `${values.length} DPoP headers`);
    const path = request.url.split(/[?#]/, 1)[0]!;
    let replayKey: string;
    let replayUntil: number;
    try {
      ({ replayKey, replayUntil } = verifyDpopProof(values[0]!, {
        htm: request.method,
        htu: origin + path,
        now: Math.floor(deps.now() / 1000),
        maxAge: deps.config.proofMaxAge,
        maxFuture: deps.config.proofMaxFuture,
        algorithms: deps.config.algorithms,
        accessToken: token,
        jkt: boundJkt,
      }));
    } catch (error) {
      if (error instanceof DpopError) throw fail('dpop', 'invalid_dpop_proof', `dpop: ${error.reason}`);
      throw error;
    }
    if (!(await deps.replay.use(`dpop:${replayKey}`, new Date(replayUntil * 1000)))) throw fail('dpop', 'invalid_dpop_proof', 'dpop: replayed');
  };
}
