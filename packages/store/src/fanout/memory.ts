import { encodeEnvelope, silentLogger, Subscriptions, type Fanout, type FanoutLogger } from './contract.js';

/**
 * The "wire" memory fan-outs share: every instance created on one hub receives what any of them
 * publishes. One process only — for a single node, and for tests that run several nodes in one process.
 */
export interface FanoutHub {
  /** Put raw text on the hub as if it came from the wire (tests: malformed input). */
  send(text: string): void;
  /** @internal */
  attach(receive: (text: string) => void): () => void;
}

/** A new, empty hub. */
export function createFanoutHub(): FanoutHub {
  const receivers = new Set<(text: string) => void>();
  return {
    send(text) {
      // Asynchronous like a real backend: a handler never runs inside the publisher's call.
      const targets = [...receivers];
      setImmediate(() => {
        for (const receive of targets) receive(text);
      });
    },
    attach(receive) {
      receivers.add(receive);
      return () => receivers.delete(receive);
    },
  };
}

/** Options of {@link createMemoryFanout}. */
export interface MemoryFanoutOptions {
  /** Share a hub to connect several instances in one process; default a hub of its own. */
  hub?: FanoutHub;
  log?: FanoutLogger;
}

/** In-process {@link Fanout}: a single node (its subscribers still hear it), or several sharing a {@link FanoutHub}. */
export function createMemoryFanout(options: MemoryFanoutOptions = {}): Fanout {
  const hub = options.hub ?? createFanoutHub();
  const subscriptions = new Subscriptions(options.log ?? silentLogger, 'memory');
  let detach: (() => void) | null = hub.attach((text) => subscriptions.dispatch(text));
  return {
    kind: 'memory',
    async publish(topic, message) {
      if (detach === null) throw new Error('fan-out closed');
      hub.send(encodeEnvelope(topic, message));
    },
    subscribe: (topic, handler) => subscriptions.add(topic, handler),
    // Nothing to lose in one process: never reconnects.
    onReconnect: () => () => undefined,
    ready: async () => undefined,
    async close() {
      detach?.();
      detach = null;
      subscriptions.clear();
    },
  };
}
