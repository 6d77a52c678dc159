import type { FastifyInstance, FastifyReply } from 'fastify';
import { invalidRequest, notFound, unsupportedMediaType } from '../errors.js';
import { NO_STORE } from '../http/headers.js';

const JSON_LIMIT = 64 * 1024;

/** The SSF endpoints speak JSON (SSF 1.0 §8, RFC 8936 §2.4); the rest of the server parses forms only. */
export function acceptJson(scope: FastifyInstance): void {
  // Only JSON here: the server's form parser is inherited and must not turn a form into a config.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_request, _payload, done) => done(unsupportedMediaType('content type must be application/json'), undefined));
  scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: JSON_LIMIT }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(invalidRequest('the body is not valid JSON'), undefined);
    }
  });
}

/** A JSON object body (an empty body counts as `{}`), or `invalid_request`. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidRequest('the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** One query parameter given at most once, or `invalid_request`. */
export function queryParam(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidRequest(`parameter "${name}" must be given once`);
  return value;
}

export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).headers(NO_STORE).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
}

/** A stream that does not exist and one that belongs to another receiver look the same: 404. */
export const streamNotFound = () => notFound('no such stream');
