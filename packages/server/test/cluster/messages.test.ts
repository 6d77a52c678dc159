import { afterEach, describe, expect, it } from 'vitest';
import { createFanoutHub, createMemoryFanout, createMemoryStorage, type Fanout, type FanoutMessage } from '@tessera/store';
import { CACHE_INVALIDATE_TOPIC, linkCacheInvalidation } from '../../src/cache/cluster.js';
import { createTessera, type Tessera } from '../../src/index.js';
import { POLL, SSF_WAKE_TOPIC } from '../../src/ssf/index.js';
import { form, FORM, frozenClock, ISSUER, logCapture, seedKeys, TEST_MASTER_KEY } from '../helpers.js';

/** A memory fan-out whose reconnect the test triggers (as if its backend connection had come back). */
function reconnectable(fanout: Fanout): Fanout & { reconnect(): void } {
  const handlers = new Set<() => void>();
  return {
    kind: fanout.kind,
    publish: (topic, message) => fanout.publish(topic, message),
    subscribe: (topic, handler) => fanout.subscribe(topic, handler),
    ready: () => fanout.ready(),
    close: () => fanout.close(),
    onReconnect(handler) {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    reconnect: () => {
      for (const handler of handlers) handler();
    },
  };
}

/** Messages from the wire are untrusted input: the wrong shape is ignored and logged, never a crash. */

async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('cache.invalidate between nodes', () => {
  const open: Fanout[] = [];
  afterEach(async () => {
    for (const f of open.splice(0)) await f.close();
  });

  function node(hub: ReturnType<typeof createFanoutHub>, nodeId: string) {
    const fanout = createMemoryFanout({ hub });
    open.push(fanout);
    const dropped: string[] = [];
    const warnings: string[] = [];
    const caches = {
      client: { invalidate: (id?: string) => void dropped.push(`client ${id}`) },
      resource: { invalidate: (id?: string) => void dropped.push(`resource ${id}`) },
    };
    const link = linkCacheInvalidation({ fanout, nodeId }, caches, { warn: (_details, message) => void warnings.push(message) });
    return { fanout, link, dropped, warnings };
  }

  it('a change on one node drops the entry there at once and on every other node on receipt, once each', async () => {
    const hub = createFanoutHub();
    const a = node(hub, 'a');
    const b = node(hub, 'b');
    a.link.changed('client', 'c1');
    expect(a.dropped).toEqual(['client c1']);
    await eventually(() => b.dropped.length === 1);
    b.link.changed('resource', 'https://api.example.com');
    await eventually(() => a.dropped.length === 2);
    // Node A skipped its own message: one drop for c1, not two.
    expect(a.dropped).toEqual(['client c1', 'resource https://api.example.com']);
    expect(b.dropped).toEqual(['client c1', 'resource https://api.example.com']);
  });

  it('after the fan-out reconnects (invalidations may have been missed) both caches start over', async () => {
    const fanout = reconnectable(createMemoryFanout());
    open.push(fanout);
    const dropped: string[] = [];
    const caches = {
      client: { invalidate: (id?: string) => void dropped.push(`client ${id ?? '*'}`) },
      resource: { invalidate: (id?: string) => void dropped.push(`resource ${id ?? '*'}`) },
    };
    const link = linkCacheInvalidation({ fanout, nodeId: 'a' }, caches, { warn: () => undefined });
    fanout.reconnect();
    expect(dropped).toEqual(['client *', 'resource *']);
    link.unsubscribe();
    fanout.reconnect();
    expect(dropped).toHaveLength(2);
  });

    it('a message with an unknown kind or a non-string id is ignored and logged', async () => {
    const hub = createFanoutHub();
    const b = node(hub, 'b');
    const sender = createMemoryFanout({ hub });
    open.push(sender);
    const bad: FanoutMessage[] = [{ kind: 'user', id: 'u1' }, { kind: 'client', id: 5 }, { kind: '__proto__', id: 'x' }, {}];
    for (const message of bad) await sender.publish(CACHE_INVALIDATE_TOPIC, message);
    await sender.publish(CACHE_INVALIDATE_TOPIC, { kind: 'client', id: 'ok', origin: 'sender' });
    await eventually(() => b.dropped.length === 1);
    expect(b.dropped).toEqual(['client ok']);
    expect(b.warnings).toHaveLength(4);
  });

  it('a publish that fails is logged; the local drop has happened anyway', async () => {
    const hub = createFanoutHub();
    const a = node(hub, 'a');
    await a.fanout.close();
    a.link.changed('client', 'c1');
    expect(a.dropped).toEqual(['client c1']);
    await eventually(() => a.warnings.length === 1);
    expect(a.warnings[0]).toContain('not sent');
  });
});

describe('ssf.wake from the wire', () => {
  let tessera: Tessera | undefined;
  afterEach(async () => {
    await tessera?.close();
    tessera = undefined;
  });

  it('a malformed ssf.wake is ignored and logged, a wake for an unknown stream is harmless; the node keeps serving', async () => {
    const clock = frozenClock();
    const logs = logCapture();
    const storage = createMemoryStorage({ now: clock.now });
    await seedKeys(storage);
    const hub = createFanoutHub();
    const fanout = createMemoryFanout({ hub });
    tessera = await createTessera({
      config: { issuer: ISSUER, dev: true, store: { kind: 'memory' }, keys: { masterKey: TEST_MASTER_KEY } },
      storage, fanout, now: clock.now, logStream: logs.stream,
    });
    const other = createMemoryFanout({ hub });
    await other.publish(SSF_WAKE_TOPIC, { streamId: 42, delivery: 'poll' });
    await other.publish(SSF_WAKE_TOPIC, { streamId: 's', delivery: 'carrier-pigeon' });
    await other.publish(SSF_WAKE_TOPIC, { streamId: 'no-such-stream', delivery: 'poll' });
    await other.publish(SSF_WAKE_TOPIC, { streamId: 'no-such-stream', delivery: 'push' });
    await eventually(() => logs.text().split('ssf.wake without streamId/delivery ignored').length === 3);
    expect((await tessera.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).statusCode).toBe(200);
    await tessera.close();
    tessera = undefined;
    await other.close();
    await fanout.close();
    await storage.close();
  });
});

describe('fan-out reconnect and SSF pollers', () => {
  it('a poller parked here is woken when the fan-out reconnects, and gets a SET whose wake-up was lost meanwhile', async () => {
    const clock = frozenClock();
    const storage = createMemoryStorage({ now: clock.now });
    await seedKeys(storage);
    const fanout = reconnectable(createMemoryFanout());
    const tessera = await createTessera({
      config: { issuer: ISSUER, dev: true, store: { kind: 'memory' }, keys: { masterKey: TEST_MASTER_KEY }, server: { logLevel: 'silent' }, ssf: { pollTimeout: 10 } },
      storage, fanout, now: clock.now,
    });
    try {
      const audience = `${ISSUER}/ssf`;
      const { client, clientSecret } = await tessera.admin.createClient({ name: 'guard', scopes: ['ssf'], resources: [audience] });
      const basic = `Basic ${Buffer.from(`${client.clientId}:${clientSecret}`).toString('base64')}`;
      const token = (await tessera.app.inject({ method: 'POST', url: '/token', headers: { 'content-type': FORM, authorization: basic }, payload: form({ grant_type: 'client_credentials', resource: audience, scope: 'ssf' }) })).json().access_token as string;
      const call = (url: string, body: unknown) => tessera.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      const streamId = (await call('/ssf/streams', { delivery: { method: POLL } })).json().stream_id as string;
      const parked = call(`/ssf/poll/${streamId}`, { returnImmediately: false });
      await eventually(() => tessera.deviceTrust.ssf!.waiters.size === 1);
      // Another node queued this SET while our fan-out was away: its ssf.wake never arrived.
      await storage.ssfEvents.enqueue({ streamId, jti: 'lost-wake', set: 'a.b.c', createdAt: new Date(clock.now()) });
      fanout.reconnect();
      const answer = (await parked).json() as { sets: Record<string, string> };
      expect(answer.sets).toEqual({ 'lost-wake': 'a.b.c' });
    } finally {
      await tessera.close();
      await fanout.close();
      await storage.close();
    }
  });
});

describe('cluster.redisUrl in the log', () => {
  it('its password never reaches the log, even when Redis cannot be reached; the node starts and serves alone', async () => {
    const clock = frozenClock();
    const logs = logCapture();
    const storage = createMemoryStorage({ now: clock.now });
    await seedKeys(storage);
    const tessera = await createTessera({
      config: { issuer: ISSUER, dev: true, store: { kind: 'memory' }, keys: { masterKey: TEST_MASTER_KEY }, cluster: { redisUrl: 'redis://tessera:hunter2-s3cret@127.0.0.1:1/0' } },
      storage, now: clock.now, logStream: logs.stream,
    });
    try {
      expect(logs.text()).toContain('cluster fan-out could not connect');
      expect(logs.text()).toContain('redis://tessera:***@127.0.0.1:1/0');
      expect((await tessera.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).statusCode).toBe(200);
    } finally {
      await tessera.close();
      await storage.close();
    }
    expect(logs.text()).not.toContain('hunter2-s3cret');
  });

  it('a redisUrl that is not redis:// or rediss:// stops the start with the setting named', async () => {
    await expect(createTessera({ config: { issuer: ISSUER, dev: true, keys: { masterKey: TEST_MASTER_KEY }, cluster: { redisUrl: 'http://r:6379' } } })).rejects.toThrow(/cluster\.redisUrl/);
    await expect(createTessera({ config: { issuer: ISSUER, dev: true, keys: { masterKey: TEST_MASTER_KEY }, cluster: { channelPrefix: 'has space' } } })).rejects.toThrow(/cluster\.channelPrefix/);
  });
});
