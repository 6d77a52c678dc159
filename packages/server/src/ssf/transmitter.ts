import type { SsfEventStore, SsfStreamRecord, SsfStreamStore } from '@tessera/store';
import type { Logger } from 'pino';
import type { OutgoingEvent } from './caep.js';
import type { PushWorker } from './push.js';
import type { SignSet } from './set.js';
import { VERIFICATION } from './vocabulary.js';
import type { PollWaiters } from './waiters.js';

/** The sending side of the SSF transmitter. */
export interface Transmitter {
  /**
   * Sign the event once per stream that asked for its type (each stream has its own `aud`), write the
   * SETs to the outbox, and wake delivery at once. Resolves with the number of streams it went to.
   * `enabled` streams get it now; `paused` ones keep it until re-enabled (SSF 1.0 §8.1.2); `disabled`
   * ones do not get it at all.
   */
  publish(event: OutgoingEvent, txn?: string): Promise<number>;
  /** SSF 1.0 §8.1.4: queue a verification event for one stream. */
  verify(stream: SsfStreamRecord, state: string | undefined): Promise<string>;
  /** Wake delivery for a stream (after a status change back to `enabled`). */
  wake(stream: SsfStreamRecord): void;
}

export function createTransmitter(deps: {
  streams: Pick<SsfStreamStore, 'list'>;
  events: Pick<SsfEventStore, 'enqueue'>;
  sign: SignSet;
  push: PushWorker;
  waiters: PollWaiters;
  /**
   * Tell the other nodes that a stream has something to deliver (the cluster fan-out); absent on a
   * single node. Called after the SET is committed, so a woken node finds it in the outbox.
   */
  announce?: (streamId: string, delivery: 'push' | 'poll') => void;
  now: () => number;
  log: Pick<Logger, 'info' | 'error'>;
}): Transmitter {
  const { streams, events, sign, push, waiters, announce, now, log } = deps;

  async function enqueue(stream: SsfStreamRecord, event: OutgoingEvent, txn: string | undefined): Promise<string> {
    const { jti, set } = sign({
      audience: stream.audience.length === 1 ? stream.audience[0]! : stream.audience,
      subject: event.subject,
      events: { [event.type]: event.payload },
      ...(txn === undefined ? {} : { txn }),
    });
    await events.enqueue({ streamId: stream.id, jti, set, createdAt: new Date(now()) });
    return jti;
  }

  function wake(stream: SsfStreamRecord): void {
    if (stream.status !== 'enabled') return;
    if (stream.deliveryMethod === 'push') push.kick();
    else waiters.wake(stream.id);
    // The poller may be parked on another node; for push, any node's worker may claim the SET (the
    // outbox lease still sends it once).
    announce?.(stream.id, stream.deliveryMethod);
  }

  return {
    async publish(event, txn) {
      const targets = (await streams.list()).filter((s) => s.status !== 'disabled' && s.eventsDelivered.includes(event.type));
      const sent = await Promise.all(
        targets.map(async (stream) => {
          try {
            const jti = await enqueue(stream, event, txn);
            log.info({ streamId: stream.id, jti, type: event.type, subject: event.subject }, 'SET queued');
            return stream;
          } catch (error) {
            log.error({ err: error, streamId: stream.id, type: event.type }, 'SET could not be queued');
            return undefined;
          }
        }),
      );
      for (const stream of sent) if (stream !== undefined) wake(stream);
      return sent.filter((s) => s !== undefined).length;
    },
    async verify(stream, state) {
      const jti = await enqueue(stream, { type: VERIFICATION, subject: { format: 'opaque', id: stream.id }, payload: state === undefined ? {} : { state } }, undefined);
      wake(stream);
      return jti;
    },
    wake,
  };
}
