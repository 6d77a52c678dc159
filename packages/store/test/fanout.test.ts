import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createFanoutHub,
  createMemoryFanout,
  createPostgresFanout,
  createRedisFanout,
  defaultFanoutConfig,
  MAX_NOTIFY_PAYLOAD_BYTES,
  openFanout,
  redactUrl,
  type FanoutMessage,
} from '../src/index.js';
import { eventually, recordingLogger, runFanoutConformance } from './fanout-conformance.js';

const pgUrl = process.env.TESSERA_TEST_PG_URL;
const redisUrl = process.env.TESSERA_TEST_REDIS_URL;
/** Parallel test runs share the backends: every run (and every backend instance) gets its own channel. */
const run = randomBytes(6).toString('hex');
let channels = 0;
const nextChannel = () => `tessera_t_${run}_${(channels += 1)}:`;

runFanoutConformance('memory', async () => {
  const hub = createFanoutHub();
  return {
    create: async (log) => createMemoryFanout({ hub, ...(log === undefined ? {} : { log }) }),
    sendRaw: async (text) => hub.send(text),
  };
});

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

let pgAdmin: pg.Client | undefined;
async function pgQuery(text: string, values: unknown[] = []) {
  if (pgAdmin === undefined) {
    pgAdmin = new pg.Client({ connectionString: pgUrl });
    await pgAdmin.connect();
    const admin = pgAdmin;
    cleanups.push(() => admin.end());
  }
  return pgAdmin.query(text, values);
}

if (pgUrl !== undefined) {
  runFanoutConformance('postgres (LISTEN/NOTIFY)', async () => {
    const channel = `${nextChannel()}fanout`;
    return {
      create: async (log) => createPostgresFanout({ url: pgUrl, channel, ...(log === undefined ? {} : { log }) }),
      sendRaw: async (text) => void (await pgQuery('select pg_notify($1, $2)', [channel, text])),
    };
  });
}

let redisRaw: Redis | undefined;
if (redisUrl !== undefined) {
  runFanoutConformance('redis (pub/sub)', async () => {
    const prefix = nextChannel();
    if (redisRaw === undefined) {
      const raw = (redisRaw = new Redis(redisUrl));
      cleanups.push(async () => raw.disconnect());
    }
    const raw = redisRaw;
    return {
      create: async (log) => createRedisFanout({ url: redisUrl, prefix, ...(log === undefined ? {} : { log }) }),
      sendRaw: async (text) => void (await raw.publish(`${prefix}fanout`, text)),
    };
  });
}

describe('memory fan-out', () => {
  it('instances on different hubs do not hear each other', async () => {
    const a = createMemoryFanout();
    const b = createMemoryFanout();
    const got: FanoutMessage[] = [];
    b.subscribe('t', (m) => void got.push(m));
    a.subscribe('t', (m) => void got.push({ at: 'a', ...m }));
    await a.publish('t', { n: 1 });
    await eventually(() => got.length === 1);
    expect(got).toEqual([{ at: 'a', n: 1 }]);
    await a.close();
    await b.close();
  });

  it('a handler never runs inside publish (delivery is asynchronous, as on a real backend)', async () => {
    const a = createMemoryFanout();
    let ran = false;
    a.subscribe('t', () => void (ran = true));
    await a.publish('t', {});
    expect(ran).toBe(false);
    await eventually(() => ran);
    await a.close();
  });
});

describe('choosing the fan-out (defaultFanoutConfig)', () => {
  it('a postgres store fans out over its database, named after its schema; sqlite and memory stay in-process', async () => {
    expect(defaultFanoutConfig({ kind: 'postgres', url: 'postgres://db/x', schema: 'prod' })).toEqual({ kind: 'postgres', url: 'postgres://db/x', channel: 'tessera:prod:fanout' });
    expect(defaultFanoutConfig({ kind: 'postgres', url: 'postgres://db/x' })).toEqual({ kind: 'postgres', url: 'postgres://db/x', channel: 'tessera:fanout' });
    expect(defaultFanoutConfig({ kind: 'sqlite' })).toEqual({ kind: 'memory' });
    // A NOTIFY channel is at most 63 bytes; a long schema name still gives a usable, distinct channel.
    const long = (schema: string) => defaultFanoutConfig({ kind: 'postgres', url: 'postgres://db/x', schema }) as { channel: string };
    expect(Buffer.byteLength(long('s'.repeat(63)).channel)).toBeLessThanOrEqual(63);
    expect(long('s'.repeat(63)).channel).not.toBe(long(`${'s'.repeat(62)}t`).channel);
    await createPostgresFanout({ url: 'postgres://127.0.0.1:1/x', channel: long('s'.repeat(63)).channel }).close();
    expect(defaultFanoutConfig({ kind: 'memory' })).toEqual({ kind: 'memory' });
  });

  it('an explicit Redis URL wins whatever the store, with the configured prefix', () => {
    expect(defaultFanoutConfig({ kind: 'sqlite' }, { redisUrl: 'redis://r:6379/0', channelPrefix: 'blue:' })).toEqual({ kind: 'redis', url: 'redis://r:6379/0', prefix: 'blue:' });
    expect(defaultFanoutConfig({ kind: 'postgres', url: 'postgres://db/x', schema: 's1' }, { redisUrl: 'redis://r' })).toEqual({ kind: 'redis', url: 'redis://r', prefix: 'tessera:s1:' });
  });

  it('openFanout opens the memory adapter; a bad channel or prefix is refused at once', async () => {
    const memory = openFanout({ kind: 'memory' });
    expect(memory.kind).toBe('memory');
    await memory.close();
    expect(() => createPostgresFanout({ url: 'postgres://127.0.0.1:1/x', channel: 'x'.repeat(64) })).toThrow(TypeError);
    expect(() => createRedisFanout({ url: 'redis://127.0.0.1:1', prefix: 'has space' })).toThrow(TypeError);
  });

  it('redactUrl hides the password of a URL written to the log', () => {
    expect(redactUrl('redis://user:s3cret@redis.internal:6380/2')).toBe('redis://user:***@redis.internal:6380/2');
    expect(redactUrl('redis://:s3cret@r:6379')).not.toContain('s3cret');
    expect(redactUrl('redis://r:6379')).toBe('redis://r:6379');
    expect(redactUrl('::not a url s3cret')).not.toContain('s3cret');
  });
});

describe.skipIf(pgUrl === undefined)('postgres fan-out (TESSERA_TEST_PG_URL)', () => {
  it(`PostgreSQL NOTIFY: a payload over ${MAX_NOTIFY_PAYLOAD_BYTES} bytes is refused with a RangeError before it is sent`, async () => {
    const fanout = createPostgresFanout({ url: pgUrl!, channel: `${nextChannel()}fanout` });
    await fanout.ready();
    await expect(fanout.publish('t', { blob: 'x'.repeat(8000) })).rejects.toThrow(RangeError);
    await fanout.publish('t', { blob: 'x'.repeat(7000) });
    await fanout.close();
  });

  it('a lost listening connection is reopened with backoff and messages flow again', async () => {
    const { log, lines } = recordingLogger();
    const channel = `${nextChannel()}fanout`;
    const applicationName = `tessera-fanout-t-${run}`;
    const listener = createPostgresFanout({ url: pgUrl!, channel, log, applicationName, reconnectMinMs: 20 });
    const sender = createPostgresFanout({ url: pgUrl!, channel });
    await Promise.all([listener.ready(), sender.ready()]);
    const got: FanoutMessage[] = [];
    listener.subscribe('t', (m) => void got.push(m));
    let reconnects = 0;
    listener.onReconnect(() => void (reconnects += 1));
    await pgQuery("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and query ilike 'listen%'", [applicationName]);
    await eventually(() => lines.some((l) => l.message.includes('lost')));
    await eventually(() => lines.some((l) => l.message.includes('listening again')));
    // Told once, after it listens again, so it can re-read what it may have missed.
    expect(reconnects).toBe(1);
    await sender.publish('t', { after: 'reconnect' });
    await eventually(() => got.length === 1);
    expect(got).toEqual([{ after: 'reconnect' }]);
    await listener.close();
    await sender.close();
  });

  it('ready() rejects when the database cannot be reached (and close stops the retries)', async () => {
    const fanout = createPostgresFanout({ url: 'postgres://postgres@127.0.0.1:1/none', channel: 'c', reconnectMinMs: 10 });
    await expect(fanout.ready()).rejects.toThrow();
    await fanout.close();
  });
});

describe.skipIf(redisUrl === undefined)('redis fan-out (TESSERA_TEST_REDIS_URL)', () => {
  it('different prefixes on one Redis do not hear each other (several deployments share it)', async () => {
    const blue = createRedisFanout({ url: redisUrl!, prefix: nextChannel() });
    const green = createRedisFanout({ url: redisUrl!, prefix: nextChannel() });
    await Promise.all([blue.ready(), green.ready()]);
    const got: string[] = [];
    blue.subscribe('t', (m) => void got.push(`blue ${String(m.n)}`));
    green.subscribe('t', (m) => void got.push(`green ${String(m.n)}`));
    await green.publish('t', { n: 1 });
    await blue.publish('t', { n: 2 });
    await eventually(() => got.length === 2);
    expect(got.sort()).toEqual(['blue 2', 'green 1']);
    await blue.close();
    await green.close();
  });

  it('a lost subscriber connection is re-established and re-subscribed', async () => {
    const prefix = nextChannel();
    const connectionName = `tessera-fanout-t-${run}`;
    const listener = createRedisFanout({ url: redisUrl!, prefix, redis: { connectionName } });
    const sender = createRedisFanout({ url: redisUrl!, prefix });
    await Promise.all([listener.ready(), sender.ready()]);
    const got: FanoutMessage[] = [];
    listener.subscribe('t', (m) => void got.push(m));
    let reconnects = 0;
    listener.onReconnect(() => void (reconnects += 1));
    const raw = new Redis(redisUrl!);
    // Only this test's subscriber: other runs may share the Redis.
    const line = String(await raw.client('LIST')).split('\n').find((l) => l.includes(`name=${connectionName} `) && l.includes(' sub=1 '));
    await raw.client('KILL', 'ID', /\bid=(\d+)/.exec(line!)![1]!);
    await raw.quit();
    // Re-subscription is asynchronous: publish until the listener hears one.
    await eventually(() => {
      sender.publish('t', { after: 'reconnect' }).catch(() => undefined);
      return got.length > 0;
    }, 5000);
    expect(got[0]).toEqual({ after: 'reconnect' });
    expect(reconnects).toBe(1);
    await listener.close();
    await sender.close();
  });
});
