import { Redis, type RedisOptions } from 'ioredis';
import { encodeEnvelope, ReconnectHandlers, silentLogger, Subscriptions, type Fanout, type FanoutLogger } from './contract.js';

/** Options of {@link createRedisFanout}. */
export interface RedisFanoutOptions {
  /** `redis://` or `rediss://` URL (password and database number included). */
  url: string;
  /**
   * Prepended to the pub/sub channel (`<prefix>fanout`), so several deployments can share one Redis;
   * default `tessera:`. Pub/sub channels ignore the database number, so this is the only separation.
   */
  prefix?: string;
  log?: FanoutLogger;
  /** Longest reconnect delay, ms (ioredis retries with growing delays up to this). Default 10 000. */
  reconnectMaxMs?: number;
  /** Extra ioredis settings (TLS, timeouts). Retry and subscription settings are ours. */
  redis?: Omit<RedisOptions, 'retryStrategy' | 'maxRetriesPerRequest' | 'autoResubscribe' | 'lazyConnect'>;
}

const PREFIX = /^[A-Za-z0-9_.:-]{0,100}$/;

/**
 * {@link Fanout} over Redis pub/sub: a connection in subscriber mode (it can do nothing else) and one
 * for publishing. ioredis reconnects both with backoff and re-subscribes; what is published while the
 * subscriber is away is lost (messages are hints).
 */
export function createRedisFanout(options: RedisFanoutOptions): Fanout {
  const prefix = options.prefix ?? 'tessera:';
  if (!PREFIX.test(prefix)) throw new TypeError(`invalid fan-out channel prefix ${JSON.stringify(prefix)}: letters, digits, _ . : - (at most 100)`);
  const channel = `${prefix}fanout`;
  const log = options.log ?? silentLogger;
  const maxMs = options.reconnectMaxMs ?? 10_000;
  const subscriptions = new Subscriptions(log, 'redis');
  const retryStrategy = (times: number) => Math.min(maxMs, 50 * 2 ** Math.min(times, 16));
  const reconnected = new ReconnectHandlers(log, 'redis');
  // The subscriber (re)subscribes itself on every ready connection, so it knows when it listens again;
  // the publisher gives up on a message after one retry (a stale hint is worth nothing).
  const subscriber = new Redis(options.url, { connectionName: 'tessera-fanout-sub', ...options.redis, retryStrategy, maxRetriesPerRequest: null, autoResubscribe: false });
  const publisher = new Redis(options.url, { connectionName: 'tessera-fanout-pub', ...options.redis, retryStrategy, maxRetriesPerRequest: 1 });

  let closed = false;
  let down = false;
  /** A connection was lost or failed since the subscriber last listened: messages may have been missed. */
  let missed = false;
  let settleFirst: ((error?: Error) => void) | null = null;
  const first = new Promise<void>((resolve, reject) => {
    settleFirst = (error) => {
      settleFirst = null;
      if (error === undefined) resolve();
      else reject(error);
    };
  });
  first.catch(() => undefined); // reported through ready(); ioredis keeps reconnecting

  const onError = (role: string) => (error: Error) => {
    if (role === 'subscriber') settleFirst?.(error);
    // ioredis emits an error per failed attempt; log the first of a run only. Its messages carry host
    // and port, never the password.
    if (down || closed) return;
    down = true;
    log.warn({ backend: 'redis', role, err: { name: error.name, message: error.message } }, 'fan-out: Redis connection failed, reconnecting');
  };
  subscriber.on('error', onError('subscriber'));
  publisher.on('error', onError('publisher'));
  subscriber.on('reconnecting', () => void (missed = true));
  subscriber.on('ready', () => {
    if (closed) return;
    subscriber.subscribe(channel).then(
      () => {
        settleFirst?.();
        down = false;
        if (!missed) return;
        missed = false;
        log.info?.({ backend: 'redis' }, 'fan-out: listening again');
        reconnected.fire();
      },
      (error: unknown) => log.warn({ backend: 'redis', err: error }, 'fan-out: SUBSCRIBE failed'),
    );
  });
  subscriber.on('message', (from: string, text: string) => {
    if (from === channel) subscriptions.dispatch(text);
  });

  return {
    kind: 'redis',
    async publish(topic, message) {
      if (closed) throw new Error('fan-out closed');
      await publisher.publish(channel, encodeEnvelope(topic, message));
    },
    subscribe: (topic, handler) => subscriptions.add(topic, handler),
    onReconnect: (handler) => reconnected.add(handler),
    ready: () => first,
    async close() {
      if (closed) return;
      closed = true;
      subscriptions.clear();
      reconnected.clear();
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
