import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminError, type AdminIssue } from '../admin/errors.js';
import { OAuthError } from '../errors.js';
import { toOAuthError } from '../http/error-handler.js';
import { NO_STORE } from '../http/headers.js';

/** Issue codes of {@link AdminError} that mean "this name is taken", answered 409 rather than 400. */
const CONFLICT_CODES: ReadonlySet<string> = new Set(['username_taken', 'conflict', 'already_enrolled']);

/**
 * An admin API refusal that is not an OAuth error: `not_found` (404), `conflict` (409), or an
 * `invalid_request` (400) with one issue per problem. The body has the RFC 6749 §5.2 shape plus `issues`.
 */
export class AdminHttpError extends Error {
  override readonly name = 'AdminHttpError';
  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: 'invalid_request' | 'not_found' | 'conflict',
    readonly description: string,
    readonly issues?: readonly AdminIssue[],
  ) {
    super(description);
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, error_description: this.description, ...(this.issues && { issues: this.issues.map(issueJson) }) };
  }
}

function issueJson(issue: AdminIssue): { path: string; code: string; message: string } {
  return { path: issue.path, code: issue.code ?? 'invalid', message: issue.message };
}

export const notFound = (what: string) => new AdminHttpError(404, 'not_found', `${what} not found`);

/** A request that fails the edge checks (shape, unknown fields, query); `issues` lists each problem. */
export function badRequest(issues: readonly AdminIssue[]): AdminHttpError {
  const text = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return new AdminHttpError(400, 'invalid_request', `invalid request: ${text}`, issues);
}

/** What the admin layer refused becomes 400, or 409 when the issue says a name or key is taken. */
function fromAdminError(error: AdminError): AdminHttpError {
  const conflict = error.issues.some((i) => i.code !== undefined && CONFLICT_CODES.has(i.code));
  return new AdminHttpError(conflict ? 409 : 400, conflict ? 'conflict' : 'invalid_request', error.message, error.issues);
}

/**
 * The admin API's error handler. Refusals keep their status; storage outages are 503 with
 * `Retry-After` (the server's `markStorageFailures` mapping); anything else is a bug, answered 500
 * `server_error` without detail and logged. Every answer is `no-store`.
 */
export function adminErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof AdminError) error = fromAdminError(error);
  if (error instanceof AdminHttpError) {
    request.log.debug({ code: error.code, status: error.status }, 'admin request refused');
    return reply.code(error.status).headers(NO_STORE).send(error.toJSON());
  }
  let oauth: OAuthError = toOAuthError(error);
  // The server-wide media-type refusal names the OAuth form encoding; the admin API speaks JSON.
  if (oauth.status === 415) oauth = new OAuthError('invalid_request', 415, 'content type must be application/json');
  if (oauth.status >= 500) request.log.error({ err: error, code: oauth.code }, 'admin request failed');
  else request.log.debug({ code: oauth.code, status: oauth.status, detail: oauth.detail }, 'admin request refused');
  return reply.code(oauth.status).headers(NO_STORE).headers(oauth.headers).send(oauth.toJSON());
}
