import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/http/app.js';
import { batchResponseWrites, requestTurn, sendInTurn, type BatchLimits } from '../src/http/write-batching.js';

/** A route's synchronous answer, sent the way registerPostEndpoint sends it. */
function answer(reply: FastifyReply, body: object, headers: Record<string, string> = {}): FastifyReply {
  sendInTurn(requestTurn(), (b: object, r: FastifyReply) => r.headers(headers).send(b), body, reply);
  return reply;
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A Fastify app with batching whose routes record whether their response was written right after `send`. */
function batchedApp(limits?: BatchLimits) {
  const app = Fastify();
  apps.push(app);
  batchResponseWrites(app, limits);
  const replies: Record<string, FastifyReply> = {};
  const writtenAtSend: Record<string, boolean> = {};
  const otherWrittenAtSend: Record<string, boolean> = {};
  for (const name of ['a', 'b', 'c']) {
    app.get(`/${name}`, (_request, reply) => {
      const other = Object.values(replies).at(-1);
      replies[name] = reply;
      answer(reply, { name });
      writtenAtSend[name] = reply.raw.headersSent;
      if (other !== undefined) otherWrittenAtSend[name] = other.raw.headersSent;
      return reply;
    });
  }
  return { app, writtenAtSend, otherWrittenAtSend };
}

/**
 * Serve GET /a with `respond`, request it once (expecting 200) and tell whether the response had been
 * written when `respond` returned.
 */
async function writtenWhenAnswered(app: FastifyInstance, respond: (reply: FastifyReply) => void | Promise<void>): Promise<boolean | undefined> {
  let written: boolean | undefined;
  app.get('/a', async (_request, reply) => {
    await respond(reply);
    written = reply.raw.headersSent;
    return reply;
  });
  await app.ready();
  expect((await app.inject('/a')).statusCode).toBe(200);
  return written;
}

describe('response write batching', () => {
  it('holds a response finished during a turn until the turn ends, then writes it', async () => {
    const { app, writtenAtSend } = batchedApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`http://127.0.0.1:${(app.server.address() as { port: number }).port}/a`);
    expect(await res.json()).toEqual({ name: 'a' });
    expect(writtenAtSend.a).toBe(false);
  });

  it('answers a lone request at the end of its turn, not after maxHoldMs', async () => {
    // With an hour's hold, only the end of the turn can release it before the test times out.
    const { app } = batchedApp({ maxHoldMs: 3_600_000 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`http://127.0.0.1:${(app.server.address() as { port: number }).port}/a`);
    expect(res.status).toBe(200);
  });

  it('still answers when a test fakes the global timers (the turn ends on the real setImmediate)', async () => {
    const { app, writtenAtSend } = batchedApp();
    await app.ready();
    vi.useFakeTimers();
    try {
      expect((await app.inject('/a')).json()).toEqual({ name: 'a' });
      expect(writtenAtSend.a).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends the responses finished in one turn together', async () => {
    const { app, writtenAtSend, otherWrittenAtSend } = batchedApp();
    await app.ready();
    const [a, b] = await Promise.all([app.inject('/a'), app.inject('/b')]);
    expect([a.json(), b.json()]).toEqual([{ name: 'a' }, { name: 'b' }]);
    // b was answered while a was still held: both went out after the turn.
    expect(writtenAtSend).toEqual({ a: false, b: false });
    expect(otherWrittenAtSend.b).toBe(false);
  });

  it('releases the held responses at once when maxHeld are waiting', async () => {
    const { app, writtenAtSend, otherWrittenAtSend } = batchedApp({ maxHeld: 2 });
    await app.ready();
    await Promise.all([app.inject('/a'), app.inject('/b')]);
    expect(writtenAtSend).toEqual({ a: false, b: true });
    expect(otherWrittenAtSend.b).toBe(true);
  });

  it('releases a response held for maxHoldMs when the next one is ready', async () => {
    let clock = 0;
    const { app, writtenAtSend } = batchedApp({ maxHoldMs: 1, now: () => (clock += 0.6) });
    await app.ready();
    // a is held at 0.6 ms; b at 1.2 ms is not yet 1 ms later; c at 1.8 ms is, and releases all three.
    await Promise.all([app.inject('/a'), app.inject('/b'), app.inject('/c')]);
    expect(writtenAtSend).toEqual({ a: false, b: false, c: true });
  });

  it('turns a write that throws into a server_error response, the rest of the batch intact', async () => {
    const app = createApp({ server: { bodyLimit: 65_536, trustProxy: false, batchWrites: true }, logger: pino({ level: 'silent' }), repeatable: new Set() });
    apps.push(app);
    // A header with a line break makes Node's writeHead throw (ERR_INVALID_CHAR) while the response is released.
    app.get('/bad', (_request, reply) => answer(reply, { ok: true }, { 'x-bad': 'a\nb' }));
    app.get('/good', (_request, reply) => answer(reply, { ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const [bad, good] = await Promise.all([fetch(`${base}/bad`), fetch(`${base}/good`)]);
    expect(bad.status).toBe(500);
    expect(bad.headers.get('x-bad')).toBeNull();
    expect(bad.headers.get('cache-control')).toBe('no-store');
    expect(await bad.json()).toEqual({ error: 'server_error', error_description: expect.any(String) });
    expect(good.status).toBe(200);
  });

  it.each([
    // A group commit resolves its writers from a setImmediate, as this does.
    ['writes at once an answer made after the turn its request was read in (e.g. after a group commit)', () => new Promise((resolve) => setImmediate(resolve)), true],
    ['holds an answer made within its turn after an await (a store that answered at once)', () => Promise.resolve(), false],
  ] as const)('%s', async (_name, wait, writtenAtSend) => {
    const app = Fastify();
    apps.push(app);
    batchResponseWrites(app);
    const written = await writtenWhenAnswered(app, async (reply) => {
      const turn = requestTurn();
      await wait();
      sendInTurn(turn, (body: object, r: FastifyReply) => r.send(body), { ok: true }, reply);
    });
    expect(written).toBe(writtenAtSend);
  });

  it('writes each response at once when server.batchWrites is false', async () => {
    const app = createApp({ server: { bodyLimit: 65_536, trustProxy: false, batchWrites: false }, logger: pino({ level: 'silent' }), repeatable: new Set() });
    apps.push(app);
    expect(await writtenWhenAnswered(app, (reply) => void answer(reply, { ok: true }))).toBe(true);
  });

  it('schedules no turn end while no app batches (batchWrites false costs no immediate per turn)', async () => {
    const turnAfterImmediate = async () => {
      const first = requestTurn();
      await new Promise((resolve) => setImmediate(resolve));
      return requestTurn() - first;
    };
    const batched = batchedApp().app;
    await batched.ready();
    expect(await turnAfterImmediate()).toBe(1);
    await batched.close();
    await new Promise((resolve) => setImmediate(resolve)); // the turn end the last requestTurn scheduled
    expect(await turnAfterImmediate()).toBe(0);
  });
});
