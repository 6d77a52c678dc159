import pg from 'pg';
import { encodeEnvelope, ReconnectHandlers, silentLogger, Subscriptions, type Fanout, type FanoutLogger } from './contract.js';

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (default build). */
export const MAX_NOTIFY_PAYLOAD_BYTES = 7999;

/** Options of {@link createPostgresFanout}. */
export interface PostgresFanoutOptions {
  /** Connection string of the database the nodes share. */
  url: string;
  /**
   * The NOTIFY channel (case-sensitive, at most 63 bytes). Channels are per database, not per schema:
   * installations sharing a database need different channels.
   */
  channel: string;
  log?: FanoutLogger;
  /** `application_name` of the listening connection (ops can find it in `pg_stat_activity`). */
  applicationName?: string;
  /** First reconnect delay, ms (doubles per failed attempt, with jitter). Default 100. */
  reconnectMinMs?: number;
  /** Longest reconnect delay, ms. Default 10 000. */
  reconnectMaxMs?: number;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * {@link Fanout} over PostgreSQL LISTEN/NOTIFY: one dedicated connection LISTENs on the channel (a
 * pooled connection cannot: the pool would hand it to someone else), and publishing is `pg_notify`
 * through a small pool of its own, so it works while the listener reconnects. A lost listening connection
 * is reopened with exponential backoff; what was sent in between is lost (messages are hints).
 */
export function createPostgresFanout(options: PostgresFanoutOptions): Fanout {
  const { url, channel } = options;
  if (typeof channel !== 'string' || channel.length === 0 || Buffer.byteLength(channel) > 63 || channel.includes('\0')) {
    throw new TypeError(`invalid NOTIFY channel ${JSON.stringify(channel)}: 1–63 bytes`);
  }
  const log = options.log ?? silentLogger;
  const minMs = options.reconnectMinMs ?? 100;
  const maxMs = options.reconnectMaxMs ?? 10_000;
  const applicationName = options.applicationName ?? 'tessera-fanout';
  const subscriptions = new Subscriptions(log, 'postgres');
  const reconnected = new ReconnectHandlers(log, 'postgres');
  const publisher = new pg.Pool({ connectionString: url, max: 2, application_name: applicationName });
  // An idle pooled connection dying must not crash the process; the pool replaces it.
  publisher.on('error', () => undefined);

  let closed = false;
  let current: pg.Client | null = null;
  let attempt = 0;
  let timer: NodeJS.Timeout | null = null;
  const dropped = new WeakSet<pg.Client>();

  function drop(client: pg.Client, error?: unknown): void {
    if (dropped.has(client)) return;
    dropped.add(client);
    const wasListening = current === client;
    if (wasListening) current = null;
    client.end().catch(() => undefined);
    if (closed) return;
    log.warn({ backend: 'postgres', channel, err: error, attempt }, wasListening ? 'fan-out: listening connection lost, reconnecting' : 'fan-out: could not listen, retrying');
    reconnectLater();
  }

  function reconnectLater(): void {
    if (timer !== null || closed) return;
    const delay = Math.min(maxMs, minMs * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    timer = setTimeout(() => {
      timer = null;
      listen().catch(() => undefined); // `drop` already scheduled the next attempt
    }, delay);
    timer.unref?.();
  }

  async function listen(): Promise<void> {
    const client = new pg.Client({ connectionString: url, application_name: applicationName });
    client.on('notification', (n) => {
      if (n.channel === channel) subscriptions.dispatch(n.payload ?? '');
    });
    client.on('error', (error) => drop(client, error));
    client.on('end', () => drop(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (error) {
      drop(client, error);
      throw error;
    }
    if (closed || dropped.has(client)) {
      await client.end().catch(() => undefined);
      if (closed) return;
      throw new Error('fan-out: listening connection lost while starting');
    }
    current = client;
    // Any failed attempt since the last success means messages may have been missed.
    const missed = attempt > 0;
    attempt = 0;
    if (missed) {
      log.info?.({ backend: 'postgres', channel }, 'fan-out: listening again');
      reconnected.fire();
    }
  }

  const first = listen();
  first.catch(() => undefined); // reported through ready(); reconnection is already under way

  return {
    kind: 'postgres',
    async publish(topic, message) {
      if (closed) throw new Error('fan-out closed');
      const payload = encodeEnvelope(topic, message);
      const bytes = Buffer.byteLength(payload);
      if (bytes > MAX_NOTIFY_PAYLOAD_BYTES) throw new RangeError(`fan-out message of ${bytes} bytes exceeds PostgreSQL's NOTIFY limit (${MAX_NOTIFY_PAYLOAD_BYTES})`);
      await publisher.query('select pg_notify($1, $2)', [channel, payload]);
    },
    subscribe: (topic, handler) => subscriptions.add(topic, handler),
    onReconnect: (handler) => reconnected.add(handler),
    ready: () => first,
    async close() {
      if (closed) return;
      closed = true;
      if (timer !== null) clearTimeout(timer);
      subscriptions.clear();
      reconnected.clear();
      const listener = current;
      current = null;
      await Promise.all([listener?.end().catch(() => undefined), publisher.end().catch(() => undefined)]);
    },
  };
}
