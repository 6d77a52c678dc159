import type { Guard } from '../guard.js';
import type { Requirements } from '../requirements.js';
import type { AuthResult } from '../result.js';
import { authorizationHeaders } from '../extract.js';
import { errorResponse } from './response.js';

/** The parts of an Express request the middleware uses (no dependency on express). */
export interface ExpressLikeRequest {
  headers: Record<string, string | string[] | undefined>;
  rawHeaders?: string[];
  method?: string;
  url?: string;
  originalUrl?: string;
  /** `http`/`https` (Express sets it, honouring `trust proxy`); used for the DPoP `htu`. */
  protocol?: string;
  auth?: AuthResult;
}

/** The parts of an Express response the middleware uses. */
export interface ExpressLikeResponse {
  status(code: number): ExpressLikeResponse;
  set(headers: Record<string, string>): ExpressLikeResponse;
  json(body: unknown): unknown;
}

/**
 * Express (4/5) middleware: sets `req.auth`, or answers 400/401/403 with `WWW-Authenticate`.
 *
 * @example
 * app.get('/v1/reports', expressGuard(guard, { scopes: ['reports:read'] }), (req, res) => res.json(req.auth.claims));
 */
export function expressGuard(guard: Guard, requirements?: Requirements) {
  if (requirements !== undefined) guard.prepare(requirements);
  const refuse = (res: ExpressLikeResponse, error: unknown) => {
    const { status, headers, body } = errorResponse(guard, error);
    res.status(status).set(headers).json(body);
  };
  // RFC 9449 §9: a fresh nonce with every response to a DPoP request, when the guard demands nonces.
  const sendNonce = (res: ExpressLikeResponse, auth: AuthResult) => {
    const nonce = auth.binding === undefined ? undefined : guard.dpopNonce();
    if (nonce !== undefined) res.set({ 'dpop-nonce': nonce });
  };
  return function guardMiddleware(req: ExpressLikeRequest, res: ExpressLikeResponse, next: (error?: unknown) => void): void {
    let outcome;
    try {
      const parsed = req.headers.authorization;
      const authorization = authorizationHeaders(req.rawHeaders, typeof parsed === 'string' ? parsed : undefined) ?? parsed;
      const { dpop, host } = req.headers;
      outcome = guard.check({ headers: { authorization, dpop, host }, method: req.method, url: req.originalUrl ?? req.url, protocol: req.protocol }, requirements);
    } catch (error) {
      refuse(res, error);
      return;
    }
    if (outcome instanceof Promise) {
      outcome.then((auth) => {
        req.auth = auth;
        sendNonce(res, auth);
        next();
      }, (error: unknown) => refuse(res, error));
      return;
    }
    req.auth = outcome;
    sendNonce(res, outcome);
    next();
  };
}
