import { createHash } from 'node:crypto';
import type { Fanout, FanoutLogger } from './contract.js';
import { createMemoryFanout, type FanoutHub } from './memory.js';
import { createPostgresFanout } from './postgres.js';
import { createRedisFanout } from './redis.js';

/** Which backend {@link openFanout} uses, and its settings. */
export type FanoutConfig =
  | { kind: 'memory'; hub?: FanoutHub }
  | { kind: 'postgres'; url: string; channel: string }
  | { kind: 'redis'; url: string; prefix: string };

/**
 * The fan-out that fits a storage: an explicit Redis URL wins whatever the store; otherwise a PostgreSQL
 * store fans out over its own database (LISTEN/NOTIFY) and anything else stays in-process (SQLite and
 * memory are single-node stores). The default prefix names the PostgreSQL schema when there is one, so
 * installations sharing a database or a Redis do not hear each other.
 */
export function defaultFanoutConfig(
  store: { kind: 'sqlite' | 'memory' } | { kind: 'postgres'; url: string; schema?: string | undefined },
  cluster: { redisUrl?: string | undefined; channelPrefix?: string | undefined } = {},
): FanoutConfig {
  const schema = store.kind === 'postgres' ? store.schema : undefined;
  const prefix = cluster.channelPrefix ?? (schema === undefined ? 'tessera:' : `tessera:${schema}:`);
  if (cluster.redisUrl !== undefined) return { kind: 'redis', url: cluster.redisUrl, prefix };
  if (store.kind === 'postgres') return { kind: 'postgres', url: store.url, channel: notifyChannel(`${prefix}fanout`) };
  return { kind: 'memory' };
}

/** A NOTIFY channel name fits 63 bytes; a longer one (a long schema name) is shortened to a digest of it. */
function notifyChannel(name: string): string {
  return Buffer.byteLength(name) <= 63 ? name : `tessera:${createHash('sha256').update(name).digest('hex').slice(0, 32)}:fanout`;
}

/** Open a {@link Fanout}; it connects in the background (await `ready()` to know it listens). Close it with `close()`. */
export function openFanout(config: FanoutConfig, log?: FanoutLogger): Fanout {
  const logged = log === undefined ? {} : { log };
  switch (config.kind) {
    case 'memory':
      return createMemoryFanout({ ...logged, ...(config.hub === undefined ? {} : { hub: config.hub }) });
    case 'postgres':
      return createPostgresFanout({ ...logged, url: config.url, channel: config.channel });
    case 'redis':
      return createRedisFanout({ ...logged, url: config.url, prefix: config.prefix });
    default:
      throw new TypeError(`unknown fan-out kind ${JSON.stringify((config as { kind: unknown }).kind)}`);
  }
}

/** A URL with its password replaced by `***`, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
