import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { methodNotAllowed, unsupportedMediaType } from '../errors.js';
import { toOAuthError } from '../http/error-handler.js';
import { isCrossSiteRequest } from '../interaction/csrf.js';
import { errorPage, type RenderedPage } from '../interaction/pages/index.js';
import type { InteractionDeps } from './deps.js';
import type { FlowResult } from './flow.js';
import { RawParams } from './params.js';
import { sendOutcome } from './respond.js';

/** The form body of a page POST (an absent body is an empty form). */
export function bodyOf(request: FastifyRequest): RawParams {
  return request.body instanceof RawParams ? request.body : RawParams.empty;
}

export function sendPage(reply: FastifyReply, page: RenderedPage, cookies: readonly string[] = []): FastifyReply {
  return sendOutcome(reply, { kind: 'page', page }, cookies);
}

export function sendFlow(reply: FastifyReply, result: FlowResult, extraCookies: readonly string[] = []): FastifyReply {
  return sendOutcome(reply, result.outcome, [...extraCookies, ...result.cookies]);
}

/**
 * A page POST is genuine when its CSRF token matches the binding (interaction id or session hash) and
 * the browser does not say it came from another site (Fetch Metadata / Origin, defence in depth).
 */
export function formIsGenuine(deps: InteractionDeps, request: FastifyRequest, bindingId: string | undefined): boolean {
  if (bindingId === undefined) return false;
  if (isCrossSiteRequest({ origin: request.headers.origin, 'sec-fetch-site': request.headers['sec-fetch-site'] as string | undefined }, deps.issuerOrigin)) return false;
  return deps.csrf.verify(bindingId, bodyOf(request).get('csrf_token'));
}

/**
 * Errors on user-facing paths become an error page with the right status — never JSON, never a stack
 * trace: bad bodies 400/413/415, wrong methods 405, storage outages 503, bugs 500 (logged).
 */
function pageErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const oauth = toOAuthError(error);
  if (oauth.status >= 500) request.log.error({ err: error, code: oauth.code }, 'page request failed');
  const description = oauth.status >= 500 && oauth.code === 'server_error' ? 'The server could not complete this request. Please try again.' : oauth.description;
  const page = errorPage({ status: oauth.status, error: oauth.code, description });
  return reply.code(page.status).headers(page.headers).headers(oauth.headers).send(page.body);
}

const ALL_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/**
 * Form bodies of this (encapsulated) scope as {@link RawParams}, every value kept so each route judges
 * repeats itself; any other content type is 415 with `description`.
 */
export function parseRawForms(scope: FastifyInstance, description?: string): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, RawParams.parseBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  scope.addContentTypeParser('*', (_request, _payload, done) => done(unsupportedMediaType(description), undefined));
}

/**
 * The scope in which every user-facing route lives: its own form parser (every value kept, so the
 * handlers judge repeats), its own error handler (pages, not JSON), and 405 pages for other methods.
 */
export function pageScope(app: FastifyInstance, routes: (scope: FastifyInstance) => void): void {
  void app.register(async (scope) => {
    parseRawForms(scope, 'send the form as application/x-www-form-urlencoded');
    scope.setErrorHandler(pageErrorHandler);
    routes(scope);
  });
}

/** Answer 405 with `Allow` for the methods a page path does not serve. */
export function refuseOtherMethods(scope: FastifyInstance, path: string, allowed: HTTPMethods[]): void {
  const allow = allowed.join(', ');
  scope.route({
    method: ALL_METHODS.filter((m) => !allowed.includes(m)),
    url: path,
    onRequest: (_request, _reply, done) => done(methodNotAllowed(undefined, { headers: { allow } })),
    handler: () => undefined,
  });
}
