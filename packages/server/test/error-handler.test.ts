import Fastify, { type FastifyReply } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { errorHandler } from '../src/http/error-handler.js';

const apps: ReturnType<typeof Fastify>[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** An app with only our error handler, whose one route runs `route` (not batched: writes happen in send). */
async function appWith(route: (reply: FastifyReply) => unknown) {
  const app = Fastify();
  apps.push(app);
  app.setErrorHandler(errorHandler);
  app.post('/r', async (_request, reply) => route(reply));
  await app.ready();
  return app;
}

const SERVER_ERROR = { error: 'server_error', error_description: 'the server encountered an unexpected condition' };

describe('a response whose headers Node refuses to write is answered as RFC 6749 §5.2 server_error', () => {
  it.each([
    ['a line feed in a value, then send', (r: FastifyReply) => r.header('x-echo', 'a\nset-cookie: x=1').send({ ok: true })],
    ['a CR LF in a value, then send', (r: FastifyReply) => r.header('x-echo', 'a\r\nb').send({ ok: true })],
    ['a space in a name, then send', (r: FastifyReply) => r.header('x bad', 'v').send({ ok: true })],
    ['a bad value in a list, then send', (r: FastifyReply) => r.header('x-list', ['fine', 'no\rpe']).send({ ok: true })],
    ['a bad header, then a thrown error', (r: FastifyReply) => {
      r.header('x-echo', 'a\nb');
      throw new Error('route failed');
    }],
  ])('%s', async (_name, route) => {
    const app = await appWith(route);
    const res = await app.inject({ method: 'POST', url: '/r' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual(SERVER_ERROR);
    expect(res.headers['cache-control']).toBe('no-store');
    // Neither Fastify's fallback shape nor Node's message (which names the header) reaches the client.
    expect(res.body).not.toMatch(/statusCode|Invalid character|ERR_/);
    expect(Object.keys(res.headers).filter((h) => h.startsWith('x'))).toEqual([]);
  });

  it('keeps the headers of an ordinary error that are all writable', async () => {
    const app = await appWith((r) => {
      r.header('x-trace', 'ok');
      throw new Error('route failed');
    });
    const res = await app.inject({ method: 'POST', url: '/r' });
    expect(res.statusCode).toBe(500);
    expect(res.headers['x-trace']).toBe('ok');
  });
});
