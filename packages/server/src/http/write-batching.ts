// The real timer, on purpose (as in the store's group commit): a test that fakes the global clock
// (vi.useFakeTimers) must not leave every held response waiting for a turn end that never comes.
import { setImmediate } from 'node:timers';
import type { FastifyInstance, FastifyReply, onSendHookHandler } from 'fastify';

type Done = Parameters<onSendHookHandler>[3];

/** Bounds on holding; tests pass their own. */
export interface BatchLimits {
  /** A held response is released by the next one ready this long after it (default 1 ms). */
  maxHoldMs?: number;
  /** At most this many are held at once (default 64). */
  maxHeld?: number;
  /** Milliseconds, monotonic. */
  now?: () => number;
}

/**
 * The loop turn requests are being read in. It ends with the turn's `setImmediate` (scheduled by the
 * first request of the turn, so it runs before any immediate that request's work schedules, such as a
 * group commit): that releases what was held and starts the next turn.
 */
let turn = 0;
let turnEndScheduled = false;
/** True while {@link sendInTurn} sends in the turn its request was read in: what is sent may be held. */
let holding = false;
let replies: FastifyReply[] = [];
let releases: Done[] = [];
let payloads: unknown[] = [];
let firstHeldAt = 0;
const failed = new WeakSet<FastifyReply>();

function endTurn(): void {
  turn++;
  turnEndScheduled = false;
  releaseHeld();
}

/** Apps with batching on, in this process: without one, turns need not end (no immediate per turn). */
let batchingApps = 0;

/** Called when a request starts being handled: the turn it was read in. */
export function requestTurn(): number {
  if (batchingApps > 0 && !turnEndScheduled) {
    turnEndScheduled = true;
    setImmediate(endTurn);
  }
  return turn;
}

/**
 * Send a route's answer with `send(ctx, reply)`. While still in `requestTurn`'s turn (the answer was
 * made synchronously, or from a store that answered within the turn), {@link batchResponseWrites} may
 * hold it until the turn ends. An answer made later (after a group commit, which resolves its writers
 * in the check phase, or a database round trip) is written at once: it comes in a burst already, and
 * holding it would wait for a turn end that is only scheduled by a later request.
 */
export function sendInTurn<C, R>(requestedIn: number, send: (ctx: C, reply: R) => void, ctx: C, reply: R): void {
  if (requestedIn !== turn) {
    send(ctx, reply);
    return;
  }
  holding = true;
  try {
    send(ctx, reply);
  } finally {
    holding = false;
  }
}

/**
 * Writing can throw (e.g. a header with a line break). Unbatched, that throw reaches Fastify inside
 * `reply.send`; here it must neither reach the event loop (a crash) nor stop the rest of the batch.
 * The response becomes the error's, as unbatched (our error handler drops headers Node cannot write);
 * should that throw too, the connection is closed rather than retried.
 */
function release(reply: FastifyReply, done: Done, payload: unknown): void {
  try {
    done(null, payload);
  } catch (error) {
    if (failed.has(reply)) {
      reply.raw.destroy(error as Error);
      return;
    }
    failed.add(reply);
    reply.send(error);
  }
}

function releaseHeld(): void {
  const held = replies;
  const dones = releases;
  const bodies = payloads;
  replies = [];
  releases = [];
  payloads = [];
  for (let i = 0; i < held.length; i++) release(held[i]!, dones[i]!, bodies[i]);
}

/**
 * Hold the answers that routes send in the turn their requests were read in ({@link sendInTurn}) and
 * write them together when the turn's I/O is done (`setImmediate` runs right after the poll phase),
 * the way an io_uring server submits its sends once per loop iteration.
 *
 * Why: a busy server reads many requests in one poll phase and, without this, writes each answer as
 * soon as it is ready, one every ~100 µs. Each write then finds its client (a reverse proxy, a sidecar,
 * a load generator) asleep and pays to wake it; on loopback the sender even runs the receiver's TCP
 * receive path. Written back to back, the first answer wakes the client and the others find it awake.
 * Measured with the JWT issuance benchmark on 2 cores: about a third less CPU per token.
 *
 * Cost: an answer waits for the rest of its turn, bounded by `maxHoldMs` and `maxHeld`; a lone
 * request waits only for the end of its own turn. (Corking the sockets instead does not work: Node's
 * `res.end()` uncorks its socket fully.)
 */
export function batchResponseWrites(app: FastifyInstance, limits: BatchLimits = {}): void {
  const { maxHoldMs = 1, maxHeld = 64, now = () => performance.now() } = limits;
  batchingApps++;
  app.addHook('onClose', (_app, done) => {
    batchingApps--;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!holding) {
      done(null, payload);
      return;
    }
    const count = replies.push(reply);
    releases.push(done);
    payloads.push(payload);
    if (count === 1) firstHeldAt = now();
    else if (count >= maxHeld || now() - firstHeldAt >= maxHoldMs) releaseHeld();
  });
}
