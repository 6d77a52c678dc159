import type { FastifyReply } from 'fastify';
import type { OAuthError } from '../errors.js';
import { formActionSourceFor } from '../interaction/headers.js';
import { formPostPage, type RenderedPage } from '../interaction/pages/index.js';
import type { ResponseTarget } from './request.js';

/** What a user-facing handler answers: a page, or a redirect (always 303, RFC 9700 §4.12). */
export type Outcome = { readonly kind: 'page'; readonly page: RenderedPage } | { readonly kind: 'redirect'; readonly location: string };

/**
 * An authorization response to the client (RFC 6749 §4.1.2): `iss` in every one, errors included
 * (RFC 9207 §2), `state` echoed when the request had one. Query mode appends to the redirect URI
 * textually, keeping its own query (RFC 6749 §3.1.2) and never re-serialising it; form_post returns
 * an auto-submitting form (OAuth 2.0 Form Post Response Mode).
 */
export function authorizationResponse(target: ResponseTarget, issuer: string, fields: Record<string, string>): Outcome {
  const params: Record<string, string> = { ...fields };
  if (target.state !== undefined) params.state = target.state;
  params.iss = issuer;
  if (target.responseMode === 'form_post') {
    const source = formActionSourceFor(target.redirectUri);
    return { kind: 'page', page: formPostPage({ action: target.redirectUri, params, ...(source && { formActionSource: source }) }) };
  }
  const query = new URLSearchParams(params).toString();
  const separator = target.redirectUri.includes('?') ? '&' : '?';
  return { kind: 'redirect', location: `${target.redirectUri}${separator}${query}` };
}

/** An error response to the client (RFC 6749 §4.1.2.1; OIDC Core §3.1.2.6), `error_description` included. */
export function authorizationError(target: ResponseTarget, issuer: string, error: OAuthError): Outcome {
  return authorizationResponse(target, issuer, { error: error.code, error_description: error.description });
}

/** Send an outcome with the given `Set-Cookie` values. */
export function sendOutcome(reply: FastifyReply, outcome: Outcome, cookies: readonly string[] = []): FastifyReply {
  if (cookies.length > 0) reply.header('set-cookie', [...cookies]);
  if (outcome.kind === 'redirect') {
    return reply.code(303).headers({ location: outcome.location, 'cache-control': 'no-store', pragma: 'no-cache', 'referrer-policy': 'no-referrer' }).send();
  }
  return reply.code(outcome.page.status).headers(outcome.page.headers).send(outcome.page.body);
}
