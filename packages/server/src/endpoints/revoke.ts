import type { FastifyReply } from 'fastify';
import type { RevocationStore, TokenStore } from '@tessera/store';
import type { AuthenticateClient } from '../client-auth/index.js';
import { temporarilyUnavailable } from '../errors.js';
import { NO_STORE_CORS } from '../http/headers.js';
import type { PostEndpoint } from '../http/routes.js';
import type { Families } from '../tokens/family.js';
import type { ActiveToken, FindActiveToken } from '../tokens/inspect.js';
import {
  authenticateClientStep,
  callerOf,
  rejectCredentialsInQuery,
  rejectRepeatedParams,
  requireTokenParam,
  type EndpointContext,
} from './context.js';
import type { Step } from './steps.js';

export interface RevokeContext extends EndpointContext {
  tokenValue?: string;
  token?: ActiveToken;
}

/**
 * RFC 7009 §2.2.1: when the store cannot answer, the token may still be valid; say so with 503 and
 * `Retry-After` rather than a 200 that would claim it is gone.
 */
function unavailable(cause: unknown): never {
  throw temporarilyUnavailable('revocation could not be completed, retry later', { cause, headers: { 'retry-after': '5' } });
}

/** Find the token; unknown, expired and already revoked tokens simply stay undefined (→ 200). */
function findToken(find: FindActiveToken): Step<RevokeContext> {
  return async function findToken(ctx) {
    ctx.token = await find(ctx.tokenValue!).catch(unavailable);
  };
}

/**
 * Revoke it if the caller owns it (RFC 7009 §2.1: the server "verifies whether the token was issued
 * to the client making the revocation request"; if not, it refuses — and we answer 200 all the same,
 * so the request reveals nothing). JWTs go to the revocation list until their `exp`; opaque tokens are
 * marked revoked; a refresh token takes its whole grant with it (§2.1 "SHOULD").
 */
function revokeOwnedToken(deps: {
  tokens: Pick<TokenStore, 'revoke'>;
  revocations: Pick<RevocationStore, 'add'>;
  families: Pick<Families, 'revoke'>;
  now: () => number;
}): Step<RevokeContext> {
  return async function revokeOwnedToken(ctx) {
    const token = ctx.token;
    const caller = callerOf(ctx);
    if (token === undefined || token.clientId !== caller.clientId) return;
    const at = new Date(deps.now());
    try {
      if (token.format === 'jwt') {
        await deps.revocations.add({ jti: token.jti, clientId: token.clientId, expiresAt: new Date(token.exp * 1000), revokedAt: at, reason: 'client_request' });
      } else {
        await deps.tokens.revoke(token.hash!, at);
        // The whole family: the grant, its stored tokens, and the JWT access tokens it produced.
        if (token.kind === 'refresh_token' && token.grantId !== null) await deps.families.revoke(token.grantId, 'client_request', token.hash);
      }
    } catch (error) {
      unavailable(error);
    }
    ctx.request.log.info({ jti: token.jti, client: caller.clientId, format: token.format }, 'token revoked');
  };
}

/** `POST /revoke` (RFC 7009). */
export function revocationEndpoint(deps: {
  path: string;
  authenticate: AuthenticateClient;
  find: FindActiveToken;
  tokens: Pick<TokenStore, 'revoke'>;
  revocations: Pick<RevocationStore, 'add'>;
  /** Ends a refresh token's family (RFC 7009 §2.1 SHOULD). */
  families: Pick<Families, 'revoke'>;
  now: () => number;
}): PostEndpoint<RevokeContext> {
  return {
    path: deps.path,
    steps: [
      rejectCredentialsInQuery,
      rejectRepeatedParams,
      authenticateClientStep(deps.authenticate),
      requireTokenParam,
      // token_type_hint is not read: every kind of token is searched (RFC 7009 §2.1), and an unknown
      // hint "is ignored ... and does not influence the revocation response" (§2.2).
      findToken(deps.find),
      revokeOwnedToken(deps),
    ],
    context: (request, params) => ({ request, params, client: undefined }),
    // RFC 7009 §2.2: 200, the body is ignored by clients; send none.
    respond(_ctx: RevokeContext, reply: FastifyReply) {
      reply.code(200).headers(NO_STORE_CORS).send();
    },
  };
}
