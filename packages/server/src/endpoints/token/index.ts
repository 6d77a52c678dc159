import type { FastifyReply } from 'fastify';
import { invalidRequest, unauthorizedClient, unsupportedGrantType } from '../../errors.js';
import type { AuthenticateClient } from '../../client-auth/index.js';
import type { Grant, GrantDeps, SenderBinding, TokenResponse } from '../../grants/index.js';
import { JSON_NO_STORE_CORS } from '../../http/headers.js';
import type { PostEndpoint } from '../../http/routes.js';
import { authenticateClientStep, callerOf, rejectCredentialsInQuery, type EndpointContext } from '../context.js';
import type { Step } from '../steps.js';

export interface TokenContext extends EndpointContext {
  grant?: Grant;
  /** Set by the DPoP step when the request carries a valid proof (RFC 9449 §5). */
  binding?: SenderBinding;
  response?: TokenResponse;
}

/** `grant_type` is required (RFC 6749 §4.4.2) and must name a registered grant (§5.2). */
function selectGrant(grants: ReadonlyMap<string, Grant>): Step<TokenContext> {
  return function selectGrant(ctx) {
    const grantType = ctx.params.get('grant_type');
    if (grantType === undefined) throw invalidRequest('the grant_type parameter is required');
    const grant = grants.get(grantType);
    if (grant === undefined) throw unsupportedGrantType();
    // Only parameters the grant declares repeatable may repeat (RFC 6749 §3.2, RFC 8707 §2).
    for (const name of ctx.params.repeatedNames()) {
      if (!grant.repeatable?.includes(name)) throw invalidRequest(`parameter "${name}" is repeated (RFC 6749 §3.2)`);
    }
    ctx.grant = grant;
  };
}

/** The client must be registered for this grant type (RFC 6749 §5.2 `unauthorized_client`). */
function checkGrantAllowed(ctx: TokenContext): void {
  if (!callerOf(ctx).grantTypes.includes(ctx.grant!.grantType)) throw unauthorizedClient();
}

function runGrant(deps: GrantDeps): Step<TokenContext> {
  return function runGrant(ctx) {
    const response = ctx.grant!.handle({ params: ctx.params, client: callerOf(ctx), binding: ctx.binding ?? null }, deps);
    if (response instanceof Promise) {
      return response.then((value) => {
        ctx.response = value;
      });
    }
    ctx.response = response;
  };
}

/**
 * `POST /token` (RFC 6749 §3.2): the steps in order. Grant type first (no I/O), then the client, then
 * the grant itself.
 */
export function tokenEndpoint(deps: {
  path: string;
  grants: readonly Grant[];
  authenticate: AuthenticateClient;
  grantDeps: GrantDeps;
  /** RFC 9449 §5: verifies a DPoP proof and sets `ctx.binding` (packages/server/src/dpop). */
  dpop?: Step<TokenContext>;
}): PostEndpoint<TokenContext> {
  const grants = new Map(deps.grants.map((g) => [g.grantType, g]));
  return {
    path: deps.path,
    steps: [
      rejectCredentialsInQuery,
      selectGrant(grants),
      authenticateClientStep(deps.authenticate),
      checkGrantAllowed,
      ...(deps.dpop === undefined ? [] : [deps.dpop]),
      runGrant(deps.grantDeps),
    ],
    context: (request, params) => ({ request, params, client: undefined }),
    // RFC 6749 §5.1: JSON, never cached. Serialised here: a string with its type skips Fastify's serializer lookup.
    respond(ctx: TokenContext, reply: FastifyReply) {
      reply.code(200).headers(JSON_NO_STORE_CORS).send(JSON.stringify(ctx.response));
    },
  };
}
