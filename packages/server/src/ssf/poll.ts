import type { FastifyInstance } from 'fastify';
import type { SsfEventStore, SsfStreamStore } from '@tessera/store';
import { invalidRequest } from '../errors.js';
import type { AuthenticateReceiver } from './auth.js';
import { objectBody, sendJson, streamNotFound } from './http.js';
import { ownedBy } from './streams.js';
import { SSF_PATHS } from './vocabulary.js';
import type { PollWaiters } from './waiters.js';

const MAX_EVENTS = 100;

interface PollRequest {
  maxEvents: number;
  returnImmediately: boolean;
  ack: string[];
  setErrs: Record<string, { err: string; description?: string }>;
}

/** RFC 8936 §2.4 request members, checked. */
function parsePoll(body: Record<string, unknown>): PollRequest {
  const { maxEvents, returnImmediately, ack, setErrs } = body;
  if (maxEvents !== undefined && (!Number.isInteger(maxEvents) || (maxEvents as number) < 0)) throw invalidRequest('maxEvents must be a non-negative integer');
  if (returnImmediately !== undefined && typeof returnImmediately !== 'boolean') throw invalidRequest('returnImmediately must be a boolean');
  if (ack !== undefined && (!Array.isArray(ack) || ack.length > 1000 || ack.some((j) => typeof j !== 'string'))) throw invalidRequest('ack must be an array of jti strings');
  if (setErrs !== undefined && (setErrs === null || typeof setErrs !== 'object' || Array.isArray(setErrs))) throw invalidRequest('setErrs must be an object keyed by jti');
  const errs = (setErrs ?? {}) as Record<string, unknown>;
  for (const value of Object.values(errs)) {
    if (value === null || typeof value !== 'object' || typeof (value as { err?: unknown }).err !== 'string') throw invalidRequest('each setErrs entry needs an "err" string');
  }
  return {
    maxEvents: Math.min(MAX_EVENTS, (maxEvents as number | undefined) ?? MAX_EVENTS),
    returnImmediately: (returnImmediately as boolean | undefined) ?? false,
    ack: (ack as string[] | undefined) ?? [],
    setErrs: errs as PollRequest['setErrs'],
  };
}

/**
 * RFC 8936 poll delivery: `POST /ssf/poll/<stream_id>` with `{maxEvents, returnImmediately, ack,
 * setErrs}` → `{sets: {jti: SET}, moreAvailable}`. Acknowledged SETs (and SETs the receiver reported as
 * errors, which it will not want again) are marked delivered first; then pending SETs are returned.
 * With `returnImmediately: false` (the default) and nothing pending, the request parks until an event is
 * enqueued for the stream (woken at once) or `pollTimeout` passes; `maxEvents: 0` only acknowledges.
 * A paused stream returns nothing until enabled (SSF 1.0 §8.1.2).
 */
export function registerPollRoute(
  scope: FastifyInstance,
  deps: { streams: SsfStreamStore; events: SsfEventStore; authenticate: AuthenticateReceiver; waiters: PollWaiters; now: () => number; pollTimeoutMs: number },
): void {
  const { streams, events, authenticate, waiters, now, pollTimeoutMs } = deps;

  scope.post<{ Params: { streamId: string } }>(`${SSF_PATHS.poll}/:streamId`, async (request, reply) => {
    const receiver = await authenticate(request);
    const stream = await streams.get(request.params.streamId);
    if (!ownedBy(stream, receiver) || stream.deliveryMethod !== 'poll') throw streamNotFound();
    const poll = parsePoll(objectBody(request.body));

    const errored = Object.keys(poll.setErrs);
    if (errored.length > 0) request.log.warn({ streamId: stream.id, setErrs: poll.setErrs }, 'SSF receiver reported SET errors');
    const done = [...poll.ack, ...errored];
    if (done.length > 0) await events.acknowledge(stream.id, done, new Date(now()));
    if (poll.maxEvents === 0 || stream.status !== 'enabled') return sendJson(reply, 200, { sets: {}, moreAvailable: false });

    const closed = new AbortController();
    // The response's 'close' fires when the client goes away before we answer (the request's fires once its body is read).
    reply.raw.once('close', () => closed.abort());
    const deadline = performance.now() + pollTimeoutMs;
    for (;;) {
      // Park first, then read: an event enqueued in between wakes the parked waiter.
      const parked = poll.returnImmediately ? undefined : waiters.park(stream.id, Math.max(0, deadline - performance.now()), closed.signal);
      const pending = await events.listPending(stream.id, poll.maxEvents + 1);
      if (pending.length > 0 || parked === undefined) {
        parked?.cancel();
        const page = pending.slice(0, poll.maxEvents);
        const sets = Object.fromEntries(page.map((e) => [e.jti, e.set]));
        return sendJson(reply, 200, { sets, moreAvailable: pending.length > poll.maxEvents });
      }
      const woken = await parked.woken;
      if (!woken || closed.signal.aborted) return sendJson(reply, 200, { sets: {}, moreAvailable: false });
    }
  });
}
