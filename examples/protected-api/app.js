// The example protected API: a small Fastify service guarded by @tessera/guard.
//   GET /v1/public   open to anyone
//   GET /v1/reports  requires a valid access token with scope `reports:read`
import Fastify from 'fastify';
import { fastifyGuard } from '@tessera/guard';

const REPORTS = [
  { id: 'r-2026-q1', title: 'Q1 revenue', status: 'final' },
  { id: 'r-2026-q2', title: 'Q2 revenue', status: 'draft' },
];

const reportsSchema = {
  response: {
    200: {
      type: 'object',
      properties: {
        reports: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, title: { type: 'string' }, status: { type: 'string' } } } },
        subject: { type: ['string', 'null'] },
        client: { type: ['string', 'null'] },
      },
    },
  },
};

/**
 * Build the API. `guard` is a guard from createGuard; without one the routes are unprotected, which
 * exists only as the benchmark baseline (protected vs unprotected requests/s).
 *
 * @param {{ guard?: import('@tessera/guard').Guard, logger?: boolean | object }} [options]
 */
export async function buildApp({ guard, logger = false } = {}) {
  const app = Fastify({ logger });
  if (guard !== undefined) await app.register(fastifyGuard, { guard });
  const protect = guard === undefined ? {} : { onRequest: app.requireAuth({ scopes: ['reports:read'] }) };

  app.get('/v1/public', async () => ({ status: 'ok', message: 'no token needed here' }));
  app.get('/v1/reports', { ...protect, schema: reportsSchema }, async (request) => ({
    reports: REPORTS,
    subject: request.auth?.subject ?? null,
    client: request.auth?.clientId ?? null,
  }));
  return app;
}
