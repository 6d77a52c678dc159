import type { FastifyReply } from 'fastify';
import type { ClientRecord } from '@tessera/store';
import type { AuthenticateClient } from '../client-auth/index.js';
import { JSON_NO_STORE_CORS } from '../http/headers.js';
import type { PostEndpoint } from '../http/routes.js';
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

export interface IntrospectContext extends EndpointContext {
  tokenValue?: string;
  token?: ActiveToken;
}

/** RFC 7662 §2.2: an inactive token is described by `active` alone, so nothing leaks about it. */
const INACTIVE = '{"active":false}';

/**
 * Who may learn about a token (RFC 7662 §4 leaves it to the server, and requires a rule against
 * token scanning): the client the token was issued to, and any client registered for one of the
 * token's audiences — a resource server is registered as a client whose `resources` list its own
 * identifier, so it can introspect the tokens presented to it. Everyone else gets `{"active":false}`,
 * exactly as for an unknown token.
 */
export function mayIntrospect(caller: ClientRecord, token: ActiveToken): boolean {
  if (caller.clientId === token.clientId) return true;
  // A refresh token is never presented to a resource server: only its own client may ask about it.
  if (token.kind === 'refresh_token') return false;
  for (const audience of token.audience) if (caller.resources.includes(audience)) return true;
  return false;
}

/** `token_type_hint` is only a hint (RFC 7662 §2.1): we look in every place regardless, so it is ignored. */
function findToken(find: FindActiveToken): Step<IntrospectContext> {
  return async function findToken(ctx) {
    const token = await find(ctx.tokenValue!);
    if (token !== undefined && mayIntrospect(callerOf(ctx), token)) ctx.token = token;
  };
}

/** The RFC 7662 §2.2 members for an active token. */
export function describeToken(token: ActiveToken, issuer: string): Record<string, unknown> {
  const body: Record<string, unknown> = { active: true };
  if (token.scope !== '') body.scope = token.scope;
  body.client_id = token.clientId;
  body.token_type = token.kind === 'refresh_token' ? 'refresh_token' : token.jkt !== undefined ? 'DPoP' : 'Bearer';
  body.exp = token.exp;
  body.iat = token.iat;
  if (token.nbf !== undefined) body.nbf = token.nbf;
  body.sub = token.subject;
  body.aud = token.audience.length === 1 ? token.audience[0] : token.audience;
  body.iss = issuer;
  body.jti = token.jti;
  // RFC 9449 §6.2 (cnf), RFC 9068 §2.2.1 / OIDC (acr, auth_time, sid), and the device the guard checks.
  if (token.jkt !== undefined) body.cnf = { jkt: token.jkt };
  if (token.sessionId !== undefined) body.sid = token.sessionId;
  if (token.deviceId !== undefined) body.device_id = token.deviceId;
  if (token.acr !== undefined) body.acr = token.acr;
  if (token.authTime !== undefined) body.auth_time = token.authTime;
  return body;
}

/** `POST /introspect` (RFC 7662). */
export function introspectionEndpoint(deps: {
  path: string;
  issuer: string;
  authenticate: AuthenticateClient;
  find: FindActiveToken;
}): PostEndpoint<IntrospectContext> {
  const { issuer } = deps;
  return {
    path: deps.path,
    steps: [
      rejectCredentialsInQuery,
      rejectRepeatedParams,
      authenticateClientStep(deps.authenticate),
      requireTokenParam,
      findToken(deps.find),
    ],
    context: (request, params) => ({ request, params, client: undefined }),
    respond(ctx: IntrospectContext, reply: FastifyReply) {
      const body = ctx.token === undefined ? INACTIVE : JSON.stringify(describeToken(ctx.token, issuer));
      reply.code(200).headers(JSON_NO_STORE_CORS).send(body);
    },
  };
}
