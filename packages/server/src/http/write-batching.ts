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
 * Send the responses finished during one event-loop turn together, when the turn's I/O is done
 * (`setImmediate` runs right after the poll phase), the way an io_uring server submits its sends once
 * per loop iteration.
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
  let replies: FastifyReply[] = [];
  let releases: Done[] = [];
  let payloads: unknown[] = [];
  let firstHeldAt = 0;
  const failed = new WeakSet<FastifyReply>();

  /**
   * Writing can throw (e.g. a header with a line break). Unbatched, that throw reaches Fastify inside
   * `reply.send`; here it must neither reach the event loop (a crash) nor stop the rest of the batch.
   * The response becomes the error's, without the headers that broke it (our error handler sets its
   * own); should that throw too, the connection is closed rather than retried.
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
      for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
      reply.send(error);
    }
  }

  const flush = (): void => {
    const held = replies;
    const dones = releases;
    const bodies = payloads;
    replies = [];
    releases = [];
    payloads = [];
    for (let i = 0; i < held.length; i++) release(held[i]!, dones[i]!, bodies[i]);
  };

  app.addHook('onSend', (_request, reply, payload, done) => {
    const count = replies.push(reply);
    releases.push(done);
    payloads.push(payload);
    if (count === 1) {
      firstHeldAt = now();
      setImmediate(flush);
    } else if (count >= maxHeld || now() - firstHeldAt >= maxHoldMs) {
      flush();
    }
  });
}
