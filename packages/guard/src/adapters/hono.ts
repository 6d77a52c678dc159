import type { Guard } from '../guard.js';
import type { Requirements } from '../requirements.js';
import type { AuthResult } from '../result.js';
import { errorResponse } from './response.js';

/** Type your app with it: `new Hono<{ Variables: GuardVariables }>()`, then `c.get('auth')` is typed. */
export interface GuardVariables {
  auth: AuthResult;
}

/** The parts of a Hono context the middleware uses (no dependency on hono). */
export interface HonoLikeContext {
  req: { raw: { headers: { get(name: string): string | null }; method: string; url: string } };
  set(key: 'auth', value: AuthResult): void;
  /** Hono's `c.header(name, value)`: used to send `DPoP-Nonce` when the guard demands nonces. */
  header?(name: string, value: string): void;
  json(body: unknown, status: number, headers: Record<string, string>): Response;
}

/**
 * Hono middleware: `c.set('auth', result)` or a 400/401/403 JSON response with `WWW-Authenticate`.
 *
 * @example
 * app.get('/v1/reports', honoGuard(guard, { scopes: ['reports:read'] }), (c) => c.json(c.get('auth').claims));
 */
export function honoGuard(guard: Guard, requirements?: Requirements) {
  if (requirements !== undefined) guard.prepare(requirements);
  return async function guardMiddleware(c: HonoLikeContext, next: () => Promise<void>): Promise<Response | undefined> {
    const { raw } = c.req;
    let auth: AuthResult;
    try {
      auth = await guard.check({ headers: raw.headers, method: raw.method, url: raw.url }, requirements);
    } catch (error) {
      const { status, headers, body } = errorResponse(guard, error);
      return c.json(body, status, headers);
    }
    c.set('auth', auth);
    // RFC 9449 §9: a fresh nonce with every response to a DPoP request, when the guard demands nonces.
    const nonce = auth.binding === undefined ? undefined : guard.dpopNonce();
    if (nonce !== undefined) c.header?.('dpop-nonce', nonce);
    await next();
    return undefined;
  };
}
