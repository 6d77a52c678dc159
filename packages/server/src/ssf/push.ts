import type { SsfEventRecord, SsfEventStore, SsfStreamStore } from '@tessera/store';
import type { Logger } from 'pino';
import { SET_MEDIA_TYPE } from './vocabulary.js';

/** What the push worker needs. */
export interface PushWorkerDeps {
  events: Pick<SsfEventStore, 'claimDue' | 'markDelivered' | 'markFailed'>;
  streams: Pick<SsfStreamStore, 'get'>;
  now: () => number;
  log: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** Milliseconds one delivery may take. */
  timeoutMs: number;
  /** Longest backoff between retries, ms. */
  retryMaxMs: number;
  /** How often due retries are looked for when nothing kicks the worker, ms. */
  sweepMs?: number;
  fetch?: typeof fetch;
}

export interface PushWorker {
  /** Deliver what is due now (called right after an enqueue, so delivery does not wait for a tick). */
  kick(): void;
  /** Resolves when the current delivery round (if any) has finished; tests use it. */
  idle(): Promise<void>;
  stop(): void;
}

const BATCH = 32;

/**
 * RFC 8935 push delivery from the outbox: claim due events with a lease (so several workers or nodes
 * never send one event twice at once), POST each SET to its stream's endpoint with the stream's
 * `Authorization` header, and mark it delivered on 202 or failed with exponential backoff otherwise.
 * A crash mid-delivery loses nothing: the lease runs out and the event is claimed again. Receivers
 * dedupe by `jti` (RFC 8935 §2: a SET may be delivered more than once).
 */
export function createPushWorker(deps: PushWorkerDeps): PushWorker {
  const { events, streams, now, log, timeoutMs, retryMaxMs } = deps;
  const doFetch = deps.fetch ?? fetch;
  const leaseSeconds = Math.ceil(timeoutMs / 1000) + 5;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function deliver(event: SsfEventRecord): Promise<void> {
    const stream = await streams.get(event.streamId);
    if (stream === undefined || stream.endpointUrl === null) {
      await events.markDelivered(event.jti, new Date(now()));
      return;
    }
    const headers: Record<string, string> = { 'content-type': SET_MEDIA_TYPE, accept: 'application/json' };
    if (stream.authorizationHeader !== null) headers.authorization = stream.authorizationHeader;
    let failure: string;
    try {
      const response = await doFetch(stream.endpointUrl, { method: 'POST', headers, body: event.set, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
      const text = await response.text().catch(() => '');
      // RFC 8935 §2.2: 202 Accepted is success; §2.3: 400 with {"err","description"} is a refusal.
      if (response.status === 202 || response.status === 200 || response.status === 204) {
        await events.markDelivered(event.jti, new Date(now()));
        log.debug({ streamId: event.streamId, jti: event.jti, attempts: event.attempts }, 'SET pushed');
        return;
      }
      failure = `HTTP ${response.status} ${text.slice(0, 200)}`;
    } catch (error) {
      failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    const delay = Math.min(retryMaxMs, 1000 * 2 ** Math.max(0, event.attempts - 1));
    await events.markFailed(event.jti, new Date(now() + delay), failure);
    log.warn({ streamId: event.streamId, jti: event.jti, attempts: event.attempts, retryInMs: delay, error: failure }, 'SET push failed');
  }

  async function round(): Promise<void> {
    do {
      again = false;
      const due = await events.claimDue(new Date(now()), BATCH, leaseSeconds);
      await Promise.all(due.map((event) => deliver(event).catch((error: unknown) => log.error({ err: error, jti: event.jti }, 'SET push bookkeeping failed'))));
      if (due.length === BATCH) again = true;
    } while (again && !stopped);
  }

  function kick(): void {
    if (stopped) return;
    if (running !== null) {
      again = true;
      return;
    }
    running = round()
      .catch((error: unknown) => log.error({ err: error }, 'SET push round failed'))
      .finally(() => {
        running = null;
        if (again && !stopped) kick();
      });
  }

  const timer = setInterval(kick, deps.sweepMs ?? 1000);
  timer.unref?.();

  return {
    kick,
    async idle() {
      while (running !== null) await running;
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
