import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/index.js';
import { notFound, unsupportedMediaType } from '../errors.js';
import { errorHandler, sendError, toOAuthError } from './error-handler.js';
import { parseForm } from './form.js';
import { lazyChildLoggerFactory } from './lazy-logger.js';
import { batchResponseWrites } from './write-batching.js';

/**
 * The Fastify instance with our transport rules, before any route:
 * - bodies above `bodyLimit` → 413 `invalid_request`;
 * - only `application/x-www-form-urlencoded` is parsed, strictly (see `parseForm`); every other
 *   content type → 415 `invalid_request` (JSON is not an OAuth request encoding, RFC 6749 §3.2);
 * - errors in the RFC 6749 §5.2 JSON shape, unknown paths in the same shape;
 * - per-request log lines only at debug: at info the hot path writes nothing, and the request's
 *   child logger is only built when something is logged;
 * - with `batchWrites`, the responses of one event-loop turn are sent together (see write-batching.ts).
 */
export function createApp(options: {
  server: Pick<ServerConfig, 'bodyLimit' | 'trustProxy' | 'batchWrites'>;
  logger: Logger;
  /** Form parameters that may repeat (RFC 8707 `resource`); all others are rejected when repeated. */
  repeatable: ReadonlySet<string>;
}): FastifyInstance {
  const { server, logger, repeatable } = options;
  const app: FastifyInstance = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast only widens the instance's logger type.
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: server.bodyLimit,
    trustProxy: server.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // A path the router cannot read (bad percent-encoding, a parameter over 100 characters) gets our
    // error shape and no-store too, not Fastify's default body.
    frameworkErrors: (error, _request, reply) => sendError(reply, toOAuthError(error)),
  });

  if (server.batchWrites) batchResponseWrites(app);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseForm(body as Buffer, repeatable));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser('*', (_request, _payload, done) => done(unsupportedMediaType(), undefined));

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((_request, reply) => sendError(reply, notFound()));

  if (logger.isLevelEnabled('debug')) {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.debug({ req: request, res: reply, ms: reply.elapsedTime }, 'request completed');
      done();
    });
  }
  return app;
}
