import { createServer, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGuard, errorResponse, expressGuard, fastifyGuard, honoGuard, type AuthResult, type Guard, type HonoLikeContext } from '../src/index.js';
import { accessClaims, AUDIENCE, FakeAs, ISSUER, makeKey, NOW, signToken, type TestKey } from './helpers.js';

let key: TestKey;
let guard: Guard;
let good: string;
let noScope: string;

beforeAll(async () => {
  key = await makeKey('k1', 'ES256');
  guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, realm: 'reports', fetch: new FakeAs([key]).fetch, now: () => NOW });
  good = await signToken(key);
  noScope = await signToken(key, accessClaims({ scope: 'profile' }));
});

describe('Fastify plugin (real Fastify instance)', () => {
  async function app() {
    const fastify = Fastify();
    await fastify.register(fastifyGuard, { guard });
    fastify.get('/v1/reports', { onRequest: fastify.requireAuth({ scopes: ['reports:read'] }) }, async (request) => ({ sub: request.auth?.subject }));
    fastify.get('/v1/public', async (request) => ({ auth: request.auth }));
    await fastify.ready();
    return fastify;
  }

  it('admits a valid token and decorates request.auth', async () => {
    const res = await (await app()).inject({ url: '/v1/reports', headers: { authorization: `Bearer ${good}` } });
    expect([res.statusCode, res.json()]).toEqual([200, { sub: 'user-1' }]);
  });

  it('answers 401 with a bare challenge without credentials, and leaves unprotected routes alone', async () => {
    const fastify = await app();
    const res = await fastify.inject({ url: '/v1/reports' });
    expect([res.statusCode, res.headers['www-authenticate']]).toEqual([401, 'Bearer realm="reports", DPoP realm="reports", algs="ES256 EdDSA RS256 PS256"']);
    const open = await fastify.inject({ url: '/v1/public' });
    expect([open.statusCode, open.json()]).toEqual([200, { auth: null }]);
  });

  it('answers 403 insufficient_scope with the needed scope', async () => {
    const res = await (await app()).inject({ url: '/v1/reports', headers: { authorization: `Bearer ${noScope}` } });
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="reports", error="insufficient_scope", error_description="The access token does not grant the required scope", scope="reports:read"',
    );
    expect(res.json()).toEqual({ error: 'insufficient_scope', error_description: 'The access token does not grant the required scope' });
  });

  it('answers 401 invalid_token for a forged token, 400 for a query token and for two Authorization headers', async () => {
    const fastify = await app();
    const forged = await fastify.inject({ url: '/v1/reports', headers: { authorization: `Bearer ${good.slice(0, -4)}AAAA` } });
    expect([forged.statusCode, forged.json().error]).toEqual([401, 'invalid_token']);
    const query = await fastify.inject({ url: `/v1/reports?access_token=${good}` });
    expect([query.statusCode, query.json().error]).toEqual([400, 'invalid_request']);
    const two = await fastify.inject({ url: '/v1/reports', headers: { authorization: [`Bearer ${good}`, `Bearer ${good}`] } as never });
    expect([two.statusCode, two.json().error]).toEqual([400, 'invalid_request']);
  });

  it('refuses invalid route requirements at registration', async () => {
    const fastify = Fastify();
    await fastify.register(fastifyGuard, { guard });
    expect(() => fastify.requireAuth({ scopes: ['bad scope'] })).toThrow(TypeError);
  });
});

/** Hand-made objects with the shapes Express gives (req.headers/rawHeaders/originalUrl; res.status().set().json()). */
function expressPair(headers: Record<string, string>, url = '/v1/reports') {
  const req = { headers, rawHeaders: Object.entries(headers).flat(), method: 'GET', url, originalUrl: url } as
    { headers: Record<string, string>; rawHeaders: string[]; method: string; url: string; originalUrl: string; auth?: AuthResult };
  const res = {
    statusCode: 200, headers: {} as Record<string, string>, body: undefined as unknown,
    status(code: number) { res.statusCode = code; return res; },
    set(h: Record<string, string>) { Object.assign(res.headers, h); return res; },
    json(body: unknown) { res.body = body; },
  };
  return { req, res };
}

describe('Express middleware (structural Express shapes)', () => {
  const run = (headers: Record<string, string>, url?: string) => new Promise<{ nextCalled: boolean; req: ReturnType<typeof expressPair>['req']; res: ReturnType<typeof expressPair>['res'] }>((resolve) => {
    const { req, res } = expressPair(headers, url);
    const json = res.json.bind(res);
    res.json = (body) => { json(body); resolve({ nextCalled: false, req, res }); };
    expressGuard(guard, { scopes: ['reports:read'] })(req, res, () => resolve({ nextCalled: true, req, res }));
  });

  it('sets req.auth and calls next for a valid token', async () => {
    const { nextCalled, req } = await run({ authorization: `Bearer ${good}` });
    expect(nextCalled).toBe(true);
    expect(req.auth?.subject).toBe('user-1');
  });

  it('answers with status, WWW-Authenticate and JSON body, without calling next', async () => {
    const { nextCalled, res } = await run({ authorization: `Bearer ${noScope}` });
    expect(nextCalled).toBe(false);
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(res.headers['cache-control']).toBe('no-store');
    const query = await run({}, '/v1/reports?access_token=abc');
    expect([query.res.statusCode, (query.res.body as { error: string }).error]).toEqual([400, 'invalid_request']);
  });
});

describe('Hono middleware (structural Hono context)', () => {
  function context(headers: Record<string, string>) {
    const vars = new Map<string, unknown>();
    const c: HonoLikeContext & { vars: Map<string, unknown> } = {
      vars,
      req: { raw: new Request('https://api.example.com/v1/reports', { headers }) },
      set: (k, v) => { vars.set(k, v); },
      json: (body, status, h) => new Response(JSON.stringify(body), { status, headers: h }),
    };
    return c;
  }

  it('sets auth on the context and calls next for a valid token', async () => {
    const c = context({ authorization: `Bearer ${good}` });
    let called = false;
    const res = await honoGuard(guard, { scopes: ['reports:read'] })(c, async () => { called = true; });
    expect([res, called, (c.vars.get('auth') as AuthResult).subject]).toEqual([undefined, true, 'user-1']);
  });

  it('returns a 401 Response with WWW-Authenticate for a missing token, without calling next', async () => {
    let called = false;
    const res = await honoGuard(guard)(context({}), async () => { called = true; });
    expect(called).toBe(false);
    expect(res?.status).toBe(401);
    expect(res?.headers.get('www-authenticate')).toBe('Bearer realm="reports", DPoP realm="reports", algs="ES256 EdDSA RS256 PS256"');
  });
});

describe('plain node:http with guard.verify (the README snippet, a real server)', () => {
  /** One request to a node:http server that guards as the README shows; `headers` may repeat a field (array). */
  async function exchange(headers: OutgoingHttpHeaders, path = '/v1/reports'): Promise<{ status: number; headers: IncomingHttpHeaders; body: unknown }> {
    const requirements = guard.prepare({ scopes: ['reports:read'] });
    const server = createServer(async (req, res) => {
      try {
        const auth = await guard.verify({ headers: req.headers, rawHeaders: req.rawHeaders, method: req.method, url: req.url, protocol: 'http' }, requirements);
        res.end(JSON.stringify({ for: auth.subject }));
      } catch (error) {
        const { status, headers: answer, body } = errorResponse(guard, error);
        res.writeHead(status, answer).end(JSON.stringify(body));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      return await new Promise((resolve, reject) => {
        httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
        }).on('error', reject).end();
      });
    } finally {
      server.close();
    }
  }

  it('admits a valid token', async () => {
    const res = await exchange({ authorization: `Bearer ${good}` });
    expect([res.status, res.body]).toEqual([200, { for: 'user-1' }]);
  });

  it('refuses two Authorization headers with 400 invalid_request, though req.headers keeps only the first (RFC 6750 §3.1)', async () => {
    // An array sends the field twice; Node's types allow only one Authorization value.
    const res = await exchange({ authorization: [`Bearer ${good}`, 'Bearer forged'] } as unknown as OutgoingHttpHeaders);
    expect([res.status, res.body]).toEqual([400, { error: 'invalid_request', error_description: 'The request is malformed' }]);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="reports", error="invalid_request", error_description="The request is malformed"');
  });

  it('answers 401 with a bare challenge and an empty JSON object without credentials', async () => {
    const res = await exchange({});
    expect([res.status, res.body, res.headers['cache-control']]).toEqual([401, {}, 'no-store']);
  });
});
