import { Redis, type RedisOptions } from 'ioredis';
import { encodeEnvelope, silentLogger, Subscriptions, type Fanout, type FanoutLogger } from './contract.js';

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
  // The subscriber keeps its SUBSCRIBE queued until Redis is there; the publisher gives up on a message
  // after one retry (a stale hint is worth nothing).
  const subscriber = new Redis(options.url, { connectionName: 'tessera-fanout-sub', ...options.redis, retryStrategy, maxRetriesPerRequest: null, autoResubscribe: true });
  const publisher = new Redis(options.url, { connectionName: 'tessera-fanout-pub', ...options.redis, retryStrategy, maxRetriesPerRequest: 1 });

  let closed = false;
  let down = false;
  const onError = (role: string) => (error: Error) => {
    // ioredis emits an error per failed attempt; log the first of a run only. Its messages carry host
    // and port, never the password.
    if (down || closed) return;
    down = true;
    log.warn({ backend: 'redis', role, err: { name: error.name, message: error.message } }, 'fan-out: Redis connection failed, reconnecting');
  };
  subscriber.on('error', onError('subscriber'));
  publisher.on('error', onError('publisher'));
  subscriber.on('ready', () => {
    if (down) log.info?.({ backend: 'redis' }, 'fan-out: Redis connection back');
    down = false;
  });
  subscriber.on('message', (from: string, text: string) => {
    if (from === channel) subscriptions.dispatch(text);
  });

  const first = new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    subscriber.once('error', failed);
    subscriber.subscribe(channel).then(
      () => {
        subscriber.off('error', failed);
        resolve();
      },
      (error: unknown) => {
        subscriber.off('error', failed);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
  first.catch(() => undefined); // reported through ready(); ioredis keeps reconnecting

  return {
    kind: 'redis',
    async publish(topic, message) {
      if (closed) throw new Error('fan-out closed');
      await publisher.publish(channel, encodeEnvelope(topic, message));
    },
    subscribe: (topic, handler) => subscriptions.add(topic, handler),
    ready: () => first,
    async close() {
      if (closed) return;
      closed = true;
      subscriptions.clear();
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
