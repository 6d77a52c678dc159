import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { methodNotAllowed, unsupportedMediaType } from '../errors.js';
import { runSteps, type Step } from '../endpoints/steps.js';
import { FormParams } from './form.js';
import { PREFLIGHT } from './headers.js';
import { requestTurn, sendInTurn } from './write-batching.js';

const ALL_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/** Answer 405 (with `Allow`) for every method a path does not serve, before any body is read. */
function refuseOtherMethods(app: FastifyInstance, path: string, allowed: HTTPMethods[]): void {
  const allow = allowed.join(', ');
  app.route({
    method: ALL_METHODS.filter((m) => !allowed.includes(m)),
    url: path,
    onRequest: (_request, _reply, done) => done(methodNotAllowed(undefined, { headers: { allow } })),
    handler: () => undefined,
  });
}

/** The form parameters of a POST, or 415 when the body was not form-encoded (or absent). */
function formParamsOf(request: FastifyRequest): FormParams {
  const body = request.body;
  if (body instanceof FormParams) return body;
  throw unsupportedMediaType();
}

/** A POST endpoint run as ordered steps over a context built from the request and its form body. */
export interface PostEndpoint<C> {
  path: string;
  steps: readonly Step<C>[];
  context(request: FastifyRequest, params: FormParams): C;
  respond(ctx: C, reply: FastifyReply): void;
}

/**
 * Register a form POST endpoint with a CORS preflight and 405 for other methods. The handler stays
 * synchronous when every step does, so a fully cached request costs no promise.
 */
export function registerPostEndpoint<C>(app: FastifyInstance, endpoint: PostEndpoint<C>): void {
  const { steps, context, respond } = endpoint;
  app.post(endpoint.path, function handler(request, reply) {
    const turn = requestTurn();
    const ctx = context(request, formParamsOf(request));
    const pending = runSteps(steps, ctx);
    if (pending === undefined) {
      sendInTurn(turn, respond, ctx, reply);
      return reply;
    }
    return pending.then(() => {
      sendInTurn(turn, respond, ctx, reply);
      return reply;
    });
  });
  app.options(endpoint.path, (_request, reply) => {
    reply.code(204).headers(PREFLIGHT).send();
  });
  refuseOtherMethods(app, endpoint.path, ['POST', 'OPTIONS']);
}

/** Register a GET endpoint (HEAD comes with it) and 405 for other methods. */
export function registerGetEndpoint(
  app: FastifyInstance,
  path: string,
  handler: (request: FastifyRequest, reply: FastifyReply) => unknown,
): void {
  app.get(path, handler);
  refuseOtherMethods(app, path, ['GET', 'HEAD']);
}
