import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  invalidRequest,
  methodNotAllowed,
  notFound,
  OAuthError,
  payloadTooLarge,
  serverError,
  temporarilyUnavailable,
  unsupportedMediaType,
} from '../errors.js';
import { StorageUnavailableError } from '../storage/unavailable.js';
import { NO_STORE_CORS } from './headers.js';

/**
 * Translate what Fastify itself throws (body too large, bad content length, unsupported media type…)
 * into our error model. Anything without a client-error status is a bug: `server_error`.
 */
export function toOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof StorageUnavailableError) {
    return temporarilyUnavailable('the service is temporarily unavailable, retry later', {
      detail: error.operation,
      cause: error,
      headers: { 'retry-after': '5' },
    });
  }
  const fastify = error as Partial<FastifyError>;
  switch (fastify.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return payloadTooLarge();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return unsupportedMediaType();
    case 'FST_ERR_NOT_FOUND':
      return notFound();
  }
  const status = fastify.statusCode;
  if (status === 405) return methodNotAllowed();
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return invalidRequest('the request could not be read', { detail: fastify.message, cause: error });
  }
  return serverError(undefined, { cause: error });
}

/** Send an OAuth error in the RFC 6749 §5.2 shape, never cached. */
export function sendError(reply: FastifyReply, error: OAuthError): FastifyReply {
  return reply.code(error.status).headers(NO_STORE_CORS).headers(error.headers).send(error.toJSON());
}

/**
 * The global error handler: OAuth errors go out as they are; everything else becomes a 500
 * `server_error` whose cause is logged with the request id (and never sent).
 */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const oauth = toOAuthError(error);
  const unwritable = unwritableHeaders(reply);
  if (unwritable.length > 0) {
    // The answer these headers were for cannot go out (Node refuses to write them), and they would
    // break the error's too, leaving Fastify's own 500 with Node's message. The error sets its own.
    for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
    request.log.error({ headers: unwritable }, 'response headers cannot be written; sending the error without them');
  }
  if (oauth.status >= 500) {
    request.log.error({ err: error, code: oauth.code }, 'request failed');
  } else {
    request.log.debug({ code: oauth.code, status: oauth.status, detail: oauth.detail }, 'request refused');
  }
  return sendError(reply, oauth);
}

/** Names of the reply's headers that Node would refuse to write (a line break in a value, say). */
function unwritableHeaders(reply: FastifyReply): string[] {
  const names: string[] = [];
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    try {
      validateHeaderName(name);
      for (const item of Array.isArray(value) ? value : value === undefined ? [] : [String(value)]) validateHeaderValue(name, item);
    } catch {
      names.push(name);
    }
  }
  return names;
}
