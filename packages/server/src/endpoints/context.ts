import type { FastifyRequest } from 'fastify';
import type { ClientRecord } from '@tessera/store';
import type { AuthenticateClient } from '../client-auth/index.js';
import { invalidRequest } from '../errors.js';
import type { FormParams } from '../http/form.js';
import type { Step } from './steps.js';

/** What every form endpoint's steps share. */
export interface EndpointContext {
  readonly request: FastifyRequest;
  readonly params: FormParams;
  /** Set by {@link authenticateClientStep}. */
  client: ClientRecord | undefined;
}

const QUERY_CREDENTIALS = ['client_secret', 'client_assertion'];

/**
 * Client credentials travel in the header or the body, never in the request URI, where proxies and
 * logs keep them (RFC 6749 §2.3.1, RFC 9700 §4.3; checklist C-51).
 */
export function rejectCredentialsInQuery(ctx: EndpointContext): void {
  const url = ctx.request.url;
  const q = url.indexOf('?');
  if (q === -1) return;
  const query = new URLSearchParams(url.slice(q + 1));
  for (const name of QUERY_CREDENTIALS) {
    if (query.has(name)) throw invalidRequest('client credentials must not be sent in the query string');
  }
}

/**
 * Outside /token (where a grant may declare `resource` repeatable, RFC 8707) no parameter may repeat:
 * the parser lets declared names through, this step refuses them here.
 */
export function rejectRepeatedParams(ctx: EndpointContext): void {
  const repeated = ctx.params.repeatedNames()[0];
  if (repeated !== undefined) throw invalidRequest(`parameter "${repeated}" is repeated`);
}

/** Authenticate the calling client (see client-auth/) and record it in the context. */
export function authenticateClientStep(authenticate: AuthenticateClient): Step<EndpointContext> {
  return function authenticateClient(ctx) {
    const client = authenticate({ authorization: ctx.request.headers.authorization, params: ctx.params });
    if (client instanceof Promise) {
      return client.then((found) => {
        ctx.client = found;
      });
    }
    ctx.client = client;
  };
}

/** The `token` parameter is required by introspection (RFC 7662 §2.1) and revocation (RFC 7009 §2.1). */
export function requireTokenParam(ctx: EndpointContext & { tokenValue?: string }): void {
  const token = ctx.params.get('token');
  if (token === undefined) throw invalidRequest('the token parameter is required');
  ctx.tokenValue = token;
}

/** The authenticated client; steps after authentication use it. */
export function callerOf(ctx: EndpointContext): ClientRecord {
  if (ctx.client === undefined) throw new Error('step order: client authentication must run first');
  return ctx.client;
}
