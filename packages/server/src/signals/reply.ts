import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StorageUnavailableError } from '../storage/unavailable.js';

/**
 * The error codes of RFC 8935 §2.3 (SET delivery), which the UEM webhook borrows so that one signal
 * client handles both.
 */
export type SignalErrorCode =
  | 'invalid_request'
  | 'invalid_key'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'authentication_failed'
  | 'access_denied';

/**
 * A refused signal: `description` goes to the sender, `reason` (a stable code) only to our log, so a
 * forger learns nothing the log does not need to hide.
 */
export class SignalError extends Error {
  override readonly name = 'SignalError';
  constructor(
    readonly status: 400 | 401 | 403 | 413 | 415,
    readonly err: SignalErrorCode,
    readonly description: string | undefined,
    readonly reason: string,
  ) {
    super(description ?? err);
  }

  toJSON(): { err: SignalErrorCode; description?: string } {
    return this.description === undefined ? { err: this.err } : { err: this.err, description: this.description };
  }
}

export const invalidSignal = (description: string, reason: string) => new SignalError(400, 'invalid_request', description, reason);
/** Authentication failures say nothing more than that (which check failed is logged). */
export const authenticationFailed = (reason: string) => new SignalError(401, 'authentication_failed', undefined, reason);

function toSignalError(error: unknown): SignalError | undefined {
  if (error instanceof SignalError) return error;
  const code = (error as Partial<FastifyError>).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new SignalError(413, 'invalid_request', 'the body is too large', 'body_too_large');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || code === 'FST_ERR_CTP_INVALID_TYPE') {
    return new SignalError(415, 'invalid_request', 'unsupported Content-Type', 'unsupported_media_type');
  }
  const status = (error as Partial<FastifyError>).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new SignalError(400, 'invalid_request', 'the request could not be read', 'unreadable_request');
  }
  return undefined;
}

/**
 * The error handler of the signal endpoints: RFC 8935 §2.3 bodies; every refusal logged at warn with
 * its reason and the source (never a secret, signature or body); a storage outage is 503 with
 * `Retry-After` (senders retry), anything else a logged 500.
 */
export function signalErrorHandler(kind: string) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const source = (request.params as { source?: string } | undefined)?.source;
    const refused = toSignalError(error);
    if (refused) {
      request.log.warn({ signal: kind, source, reason: refused.reason, status: refused.status }, 'signal refused');
      return reply.code(refused.status).header('cache-control', 'no-store').send(refused.toJSON());
    }
    if (error instanceof StorageUnavailableError || error instanceof SignalUnavailableError) {
      request.log.error({ err: error, signal: kind, source }, 'signal not applied: a dependency is unavailable');
      return reply.code(503).header('retry-after', '5').header('cache-control', 'no-store').send({ err: 'temporarily_unavailable' });
    }
    request.log.error({ err: error, signal: kind, source }, 'signal failed');
    return reply.code(500).header('cache-control', 'no-store').send({ err: 'server_error' });
  };
}

/** A dependency of a signal endpoint (the transmitter's JWKS) cannot be reached: 503, the sender retries. */
export class SignalUnavailableError extends Error {
  override readonly name = 'SignalUnavailableError';
}

/**
 * Set up an encapsulated signal plugin to take exactly one media type: its body parser (`string` for a
 * SET, `buffer` when a MAC covers the raw bytes), a 415 for every other Content-Type, and the signal
 * error handler. Returns the route-level check: the parser table alone matches type prefixes
 * leniently, so the route confirms the exact type (parameters after `;` allowed) before reading a byte.
 */
export function acceptOnlyMediaType(
  app: FastifyInstance,
  options: { kind: string; mediaType: string; parseAs: 'string' | 'buffer'; bodyLimit: number },
): (request: FastifyRequest) => void {
  const unsupported = () => new SignalError(415, 'invalid_request', `Content-Type must be ${options.mediaType}`, 'unsupported_media_type');
  app.removeAllContentTypeParsers();
  if (options.parseAs === 'string') {
    app.addContentTypeParser(options.mediaType, { parseAs: 'string', bodyLimit: options.bodyLimit }, (_request, body, done) => done(null, body));
  } else {
    app.addContentTypeParser(options.mediaType, { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_request, body, done) => done(null, body));
  }
  app.addContentTypeParser('*', (_request, _payload, done) => done(unsupported(), undefined));
  app.setErrorHandler(signalErrorHandler(options.kind));
  const exact = new RegExp(`^${options.mediaType.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s*(;|$)`, 'i');
  return (request) => {
    const contentType = request.headers['content-type'];
    if (typeof contentType !== 'string' || !exact.test(contentType)) throw unsupported();
  };
}
