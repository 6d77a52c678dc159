import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ClientRecord } from '@tessera/store';
import type { DecisionAdmin } from '../access/admin.js';
import { AdminError, type Admin } from '../admin/index.js';
import type { ResourceDpopCheck } from '../dpop/index.js';
import { methodNotAllowed, unsupportedMediaType } from '../errors.js';
import type { FindActiveToken } from '../tokens/inspect.js';
import { createAdminAuthenticator, type AdminAuthDeps, type AdminPrincipal } from './auth.js';
import { ADMIN_SCOPES, adminAudience, type AdminConfig } from './config.js';
import { adminErrorHandler, notFound } from './errors.js';
import { ADMIN_BODY_LIMIT, parseJsonBody } from './input.js';
import { clientRoutes } from './routes/clients.js';
import { decisionRoutes } from './routes/decisions.js';
import type { AdminMethod, AdminRoute } from './routes/define.js';
import { deviceRoutes } from './routes/devices.js';
import { resourceRoutes } from './routes/resources.js';
import { userRoutes } from './routes/users.js';

export { ADMIN_SCOPES, adminAudience, adminSchema, type AdminConfig } from './config.js';
export { AdminHttpError } from './errors.js';
export { viewClient, type ClientView } from './routes/clients.js';
export type { DeviceSessionView } from './routes/devices.js';
export type { AdminPrincipal } from './auth.js';

/** Where the admin API lives. */
export const ADMIN_PREFIX = '/admin/v1';

/** What the admin API is served from: the in-process admin operations and the server's token checks. */
export interface AdminHttpDeps {
  admin: Admin;
  decisions: DecisionAdmin;
  /** The server's token inspector (revoked, expired and cut-off tokens are refused at once). */
  find: FindActiveToken;
  /** The audience admin tokens must have (see {@link adminAudience}). */
  audience: string;
  /** RFC 9449 §7 check for DPoP-bound admin tokens (the server's `dpop.resourceCheck`). */
  dpop?: ResourceDpopCheck;
  /** Current client record (a disabled admin client loses access at once). */
  lookupClient: (clientId: string) => Promise<ClientRecord | undefined>;
  /** Current user record, for tokens issued to a user. */
  lookupUser: AdminAuthDeps['lookupUser'];
  /** The group a user must be in (config `admin.userGroup`). */
  userGroup: string;
  now: () => number;
}

type HttpMethod = AdminMethod | 'HEAD' | 'PATCH' | 'OPTIONS';
const METHODS: readonly HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/**
 * The admin API as an encapsulated Fastify plugin (register it with `prefix: ADMIN_PREFIX`): JSON in
 * and out, bodies up to 64 KiB, `Cache-Control: no-store` on every answer, Bearer (or DPoP) tokens
 * for the admin audience with `admin:read` / `admin:write`. Every route maps onto one in-process
 * admin operation; this layer checks shapes, authenticates, and translates outcomes to HTTP.
 */
export const adminHttpPlugin: FastifyPluginAsync<AdminHttpDeps> = async (app, deps) => {
  const principals = new WeakMap<FastifyRequest, AdminPrincipal>();
  const authenticate = createAdminAuthenticator(deps);

  // JSON only: the server-wide form parser is not inherited here, every other type is 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(unsupportedMediaType('content type must be application/json'), undefined));
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: ADMIN_BODY_LIMIT }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.setErrorHandler(adminErrorHandler);
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    done(null, payload);
  });
  // 405 before authentication: which methods a path has is public (it is in the docs).
  app.addHook('onRequest', async (request) => {
    const allow = (request.routeOptions.config as { allow?: string }).allow;
    if (allow !== undefined) throw methodNotAllowed(undefined, { headers: { allow } });
    principals.set(request, await authenticate(request));
  });
  // An audit line per change: who (client, subject, token id), what, and the outcome; never a body.
  app.addHook('onResponse', (request, reply, done) => {
    const principal = principals.get(request);
    if (principal !== undefined && request.method !== 'GET' && request.method !== 'HEAD') {
      request.log.info({ admin: principal, method: request.method, path: request.url.split('?', 1)[0], status: reply.statusCode }, 'admin change');
    }
    done();
  });

  const routes: AdminRoute[] = [
    ...userRoutes(deps.admin),
    ...clientRoutes(deps.admin),
    ...resourceRoutes(deps.admin, deps.audience),
    ...deviceRoutes(deps.admin.devices, deps.now),
    ...decisionRoutes(deps.decisions),
  ];
  const byUrl = new Map<string, AdminMethod[]>();
  for (const route of routes) {
    app.route({ method: route.method, url: route.url, bodyLimit: ADMIN_BODY_LIMIT, handler: route.handler });
    byUrl.set(route.url, [...(byUrl.get(route.url) ?? []), route.method]);
  }
  // Every other method of a known path is 405 with Allow (RFC 9110 §15.5.6); HEAD comes with GET.
  for (const [url, methods] of byUrl) {
    const allow: HttpMethod[] = methods.includes('GET') ? [...methods, 'HEAD'] : methods;
    const others = METHODS.filter((m) => !allow.includes(m));
    app.route({ method: others, url, config: { allow: allow.join(', ') }, handler: async () => undefined });
  }
  app.setNotFoundHandler(() => {
    throw notFound('route');
  });
};

/**
 * Serve the admin API on `app` when `config.http.enabled`, first registering the admin resource (the
 * audience, opaque tokens, scopes `admin:read` and `admin:write`) if it does not exist, so that an
 * operator's first step is only `tessera clients create … --resource <audience>`. Returns the audience.
 */
export async function installAdminHttp(
  app: FastifyInstance,
  options: Omit<AdminHttpDeps, 'audience' | 'userGroup'> & { config: AdminConfig; issuer: string; accessTokenMax: number },
): Promise<string | null> {
  const { config, issuer, accessTokenMax, ...rest } = options;
  const deps = { ...rest, userGroup: config.userGroup };
  if (!config.http.enabled) return null;
  const audience = adminAudience(config, issuer);
  await ensureAdminResource(deps.admin, audience, Math.min(config.tokenTtl, accessTokenMax));
  await app.register(adminHttpPlugin, { ...deps, audience, prefix: ADMIN_PREFIX });
  return audience;
}

async function ensureAdminResource(admin: Admin, audience: string, ttl: number): Promise<void> {
  if ((await admin.listResources()).some((r) => r.id === audience)) return;
  try {
    await admin.createResource({ id: audience, name: 'Tessera admin API', tokenFormat: 'opaque', ttl, scopes: [ADMIN_SCOPES.read, ADMIN_SCOPES.write] });
  } catch (error) {
    // Another node registered it between the look-up and the insert.
    if (!(error instanceof AdminError && (await admin.listResources()).some((r) => r.id === audience))) throw error;
  }
}
