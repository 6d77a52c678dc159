/**
 * A JSON-safe value: what a fan-out message may hold (it crosses the wire as JSON text, so no Dates,
 * no `undefined`, no class instances).
 */
export type FanoutJson = string | number | boolean | null | FanoutJson[] | { [key: string]: FanoutJson };

/** A fan-out message: a JSON object. */
export type FanoutMessage = { [key: string]: FanoutJson };

/** Receives the messages of one topic. A throw (or rejection) is logged and does not reach the wire. */
export type FanoutHandler = (message: FanoutMessage) => void | Promise<void>;

/** The part of a pino logger the adapters use; wire problems are logged, never thrown at the caller. */
export interface FanoutLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
  info?(details: object, message: string): void;
}

/**
 * Cross-node fan-out: several Tessera nodes on one database tell each other "something changed, look
 * again" (an SSF event was queued for a stream, a client was disabled). Adapters: memory (one process),
 * PostgreSQL LISTEN/NOTIFY, Redis pub/sub.
 *
 * Guarantees, deliberately weak:
 * - **At-most-once.** A message published while a node is disconnected (or reconnecting) is lost for that
 *   node; nothing is stored or replayed.
 * - **No ordering across topics**, and none promised within one either.
 * - **Messages are hints.** The database stays the source of truth: a receiver re-reads it on a message,
 *   and every feature keeps its own fallback (poll timeout, push sweep timer, cache TTL). A lost message
 *   therefore only costs latency, never correctness; a duplicated one only costs a re-read.
 * - Every subscriber of a topic receives the message, including those on the publishing instance itself
 *   (as Redis and PostgreSQL do); callers that already acted locally skip their own messages by an id
 *   they put in the message.
 * - A malformed message from the wire is dropped and logged; it never throws into a handler's caller.
 */
export interface Fanout {
  /** Which backend carries the messages. */
  readonly kind: 'memory' | 'postgres' | 'redis';
  /**
   * Send `message` to every subscriber of `topic` on every instance sharing the backend. Resolves when
   * the backend has taken it; rejects when the backend is unreachable or the message is too large (the
   * caller logs and relies on its fallback).
   */
  publish(topic: string, message: FanoutMessage): Promise<void>;
  /** Call `handler` for each message on `topic` from now on; returns the unsubscribe function. */
  subscribe(topic: string, handler: FanoutHandler): () => void;
  /**
   * Call `handler` each time this instance listens again after a lost or failed connection. What was
   * published in between is lost, so a caller that acts on messages re-reads what it keeps (drops its
   * caches, wakes its waiters) here. Not called when the first attempt succeeds. Returns the unsubscribe
   * function.
   */
  onReconnect(handler: () => void): () => void;
  /**
   * Resolves once this instance is listening on the backend (messages published after that reach it);
   * rejects when the first connection fails. Reconnection goes on in the background either way.
   */
  ready(): Promise<void>;
  /** Stop listening and release the connections; later `publish` calls reject. Idempotent. */
  close(): Promise<void>;
}

/** Topic names: short, printable, no spaces (they travel inside the JSON envelope). */
const TOPIC = /^[A-Za-z0-9_.:-]{1,100}$/;

/** Throws a TypeError for a topic name the adapters do not carry. */
export function checkTopic(topic: string): void {
  if (typeof topic !== 'string' || !TOPIC.test(topic)) throw new TypeError(`invalid fan-out topic ${JSON.stringify(topic)}: letters, digits, _ . : - (1–100)`);
}

function isMessage(value: unknown): value is FanoutMessage {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The wire form of one message: `{"t": topic, "m": message}` as JSON text. */
export function encodeEnvelope(topic: string, message: FanoutMessage): string {
  checkTopic(topic);
  if (!isMessage(message)) throw new TypeError('a fan-out message must be a JSON object');
  return JSON.stringify({ t: topic, m: message });
}

/** Parse a wire envelope; `undefined` for anything malformed (the caller logs and drops it). */
export function decodeEnvelope(text: string): { topic: string; message: FanoutMessage } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isMessage(parsed)) return undefined;
  const { t, m } = parsed as { t?: unknown; m?: unknown };
  if (typeof t !== 'string' || !TOPIC.test(t) || !isMessage(m)) return undefined;
  return { topic: t, message: m };
}

/** The reconnect handlers of one instance; a throwing handler is logged and does not stop the others. */
export class ReconnectHandlers {
  readonly #handlers = new Set<() => void>();

  constructor(private readonly log: FanoutLogger, private readonly backend: string) {}

  add(handler: () => void): () => void {
    const entry = () => handler();
    this.#handlers.add(entry);
    return () => void this.#handlers.delete(entry);
  }

  clear(): void {
    this.#handlers.clear();
  }

  fire(): void {
    for (const handler of [...this.#handlers]) {
      try {
        handler();
      } catch (error) {
        this.log.error({ backend: this.backend, err: error }, 'fan-out: reconnect handler failed');
      }
    }
  }
}

/** A logger that drops everything: the default when the caller gives none. */
export const silentLogger: FanoutLogger = { warn: () => undefined, error: () => undefined };

/**
 * The topic → handlers table every adapter keeps locally, and the dispatch of one wire envelope to it:
 * malformed text is logged and dropped, a throwing or rejecting handler is logged and does not stop
 * the others.
 */
export class Subscriptions {
  readonly #handlers = new Map<string, Set<FanoutHandler>>();

  constructor(private readonly log: FanoutLogger, private readonly backend: string) {}

  add(topic: string, handler: FanoutHandler): () => void {
    checkTopic(topic);
    let set = this.#handlers.get(topic);
    if (set === undefined) this.#handlers.set(topic, (set = new Set()));
    // A fresh wrapper per subscription, so subscribing one function twice gives two independent subscriptions.
    const entry: FanoutHandler = (message) => handler(message);
    set.add(entry);
    return () => {
      const current = this.#handlers.get(topic);
      if (current === undefined) return;
      current.delete(entry);
      if (current.size === 0) this.#handlers.delete(topic);
    };
  }

  clear(): void {
    this.#handlers.clear();
  }

  /** Hand one wire text to the topic's handlers. Never throws. */
  dispatch(text: string): void {
    const envelope = decodeEnvelope(text);
    if (envelope === undefined) {
      // Only the size: the text came from whoever can write to the channel.
      this.log.warn({ backend: this.backend, bytes: Buffer.byteLength(text) }, 'fan-out: malformed message dropped');
      return;
    }
    const set = this.#handlers.get(envelope.topic);
    if (set === undefined) return;
    for (const handler of [...set]) {
      try {
        const result = handler(structuredClone(envelope.message));
        if (result instanceof Promise) result.catch((error: unknown) => this.#failed(envelope.topic, error));
      } catch (error) {
        this.#failed(envelope.topic, error);
      }
    }
  }

  #failed(topic: string, error: unknown): void {
    this.log.error({ backend: this.backend, topic, err: error }, 'fan-out: handler failed');
  }
}
