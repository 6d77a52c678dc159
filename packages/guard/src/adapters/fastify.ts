import type { FastifyPluginCallback, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Guard } from '../guard.js';
import type { Requirements } from '../requirements.js';
import type { AuthResult } from '../result.js';
import { authorizationHeaders } from '../extract.js';
import { errorResponse } from './response.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the guard's hook on protected routes; `null` elsewhere. */
    auth: AuthResult | null;
  }
  interface FastifyInstance {
    /** A hook (use as `onRequest`/`preHandler`) that admits only requests the guard accepts. */
    requireAuth(requirements?: Requirements): onRequestHookHandler;
  }
}

export interface FastifyGuardOptions {
  guard: Guard;
}

function send(guard: Guard, reply: FastifyReply, error: unknown): void {
  const { status, headers, body } = errorResponse(guard, error);
  reply.code(status).headers(headers).send(body);
}

/** RFC 9449 §9: a fresh nonce with every response to a DPoP request, when the guard demands nonces. */
function sendNonce(guard: Guard, reply: FastifyReply, auth: AuthResult): void {
  if (auth.binding === undefined) return;
  const nonce = guard.dpopNonce();
  if (nonce !== undefined) reply.header('dpop-nonce', nonce);
}

/**
 * Fastify plugin: decorates `request.auth` and `fastify.requireAuth(requirements)`. Not encapsulated
 * (like fastify-plugin), so the decorators reach every route of the instance that registered it.
 *
 * @example
 * await app.register(fastifyGuard, { guard });
 * app.get('/v1/reports', { onRequest: app.requireAuth({ scopes: ['reports:read'] }) }, (req) => req.auth);
 */
export const fastifyGuard: FastifyPluginCallback<FastifyGuardOptions> = (fastify, options, done) => {
  const { guard } = options;
  if (guard === undefined || typeof guard.check !== 'function') {
    done(new TypeError('fastifyGuard: options.guard must be a guard from createGuard'));
    return;
  }
  fastify.decorateRequest('auth', null);
  fastify.decorate('requireAuth', (requirements?: Requirements): onRequestHookHandler => {
    if (requirements !== undefined) guard.prepare(requirements);
    // Callback style: a cached-key JWT is admitted without allocating a promise.
    return function requireAuth(request: FastifyRequest, reply: FastifyReply, next: (err?: Error) => void) {
      let outcome;
      try {
        const authorization = authorizationHeaders(request.raw.rawHeaders, request.headers.authorization);
        const { dpop, host } = request.headers;
        outcome = guard.check({ headers: { authorization, dpop, host }, method: request.method, url: request.url, protocol: request.protocol }, requirements);
      } catch (error) {
        send(guard, reply, error);
        return;
      }
      if (outcome instanceof Promise) {
        outcome.then((auth) => {
          request.auth = auth;
          sendNonce(guard, reply, auth);
          next();
        }, (error: unknown) => send(guard, reply, error));
        return;
      }
      request.auth = outcome;
      sendNonce(guard, reply, outcome);
      next();
    } as onRequestHookHandler;
  });
  done();
};

// What fastify-plugin sets: do not encapsulate, so decorators are visible to the parent scope.
Object.assign(fastifyGuard, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'tessera-guard' });
