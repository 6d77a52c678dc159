import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createFanoutHub, createMemoryFanout, createMemoryStorage, createPostgresStorage, type Fanout, type Storage } from '@tessera/store';
import { createTessera, type Tessera, type TesseraConfigInput } from '../../src/index.js';
import { POLL } from '../../src/ssf/index.js';
import { form, FORM, frozenClock, ISSUER, JWT_API, seedKeys, TEST_MASTER_KEY } from '../helpers.js';

/**
 * Two Tessera nodes on one database, each with its own Fastify on a real port: what one node changes,
 * the other acts on at once (DESIGN: "Cache / fan-out across nodes … nodes stay stateless"). Runs on a
 * shared memory store and hub always; on PostgreSQL (LISTEN/NOTIFY) with TESSERA_TEST_PG_URL; and on
 * PostgreSQL with Redis pub/sub when TESSERA_TEST_REDIS_URL is set too. The clock is frozen, so a cache
 * entry never expires by itself: only the fan-out can make node B see node A's change.
 */
const pgUrl = process.env.TESSERA_TEST_PG_URL;
const redisUrl = process.env.TESSERA_TEST_REDIS_URL;
const SSF_AUDIENCE = `${ISSUER}/ssf`;
const schemas: string[] = [];

afterAll(async () => {
  if (pgUrl === undefined || schemas.length === 0) return;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
});

interface Pair {
  a: Tessera;
  b: Tessera;
  urlA: string;
  urlB: string;
  close(): Promise<void>;
}

type Backend = 'memory' | 'postgres' | 'redis';

async function startPair(backend: Backend): Promise<Pair> {
  const clock = frozenClock();
  const base: TesseraConfigInput = {
    issuer: ISSUER,
    dev: true,
    keys: { masterKey: TEST_MASTER_KEY },
    server: { host: '127.0.0.1', port: 0, logLevel: 'silent' },
    // Long enough that a poller woken only by its timeout fails the < 1 s bound, short enough not to hang the run.
    ssf: { pollTimeout: 5 },
  };
  const closers: (() => Promise<unknown>)[] = [];
  let a: Tessera;
  let b: Tessera;
  if (backend === 'memory') {
    const storage = createMemoryStorage({ now: clock.now });
    await seedKeys(storage);
    const hub = createFanoutHub();
    const node = async (fanout: Fanout) => createTessera({ config: { ...base, store: { kind: 'memory' } }, storage, fanout, now: clock.now });
    const fanouts = [createMemoryFanout({ hub }), createMemoryFanout({ hub })];
    a = await node(fanouts[0]!);
    b = await node(fanouts[1]!);
    closers.push(async () => {
      for (const f of fanouts) await f.close();
      await storage.close();
    });
  } else {
    const schema = `tessera_cl_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    const seed: Storage = createPostgresStorage({ url: pgUrl!, schema });
    await seed.migrate();
    await seedKeys(seed);
    await seed.close();
    const config: TesseraConfigInput = {
      ...base,
      store: { kind: 'postgres', url: pgUrl!, schema },
      ...(backend === 'redis' ? { cluster: { redisUrl: redisUrl!, channelPrefix: `${schema}:` } } : {}),
    };
    a = await createTessera({ config, now: clock.now });
    b = await createTessera({ config, now: clock.now });
  }
  const urlA = await a.listen();
  const urlB = await b.listen();
  return {
    a,
    b,
    urlA,
    urlB,
    async close() {
      await a.close();
      await b.close();
      for (const close of closers) await close();
    },
  };
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function tokenAt(url: string, id: string, secret: string, resource: string, scope: string) {
  const res = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': FORM, authorization: basic(id, secret) },
    body: form({ grant_type: 'client_credentials', resource, scope }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function json(url: string, path: string, token: string, body: unknown) {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const backends: { backend: Backend; skip: boolean; label: string }[] = [
  { backend: 'memory', skip: false, label: 'shared memory store and hub' },
  { backend: 'postgres', skip: pgUrl === undefined, label: 'PostgreSQL, LISTEN/NOTIFY (TESSERA_TEST_PG_URL)' },
  { backend: 'redis', skip: pgUrl === undefined || redisUrl === undefined, label: 'PostgreSQL, Redis pub/sub (TESSERA_TEST_PG_URL + TESSERA_TEST_REDIS_URL)' },
];

for (const { backend, skip, label } of backends) {
  describe.skipIf(skip)(`two nodes on one database: ${label}`, () => {
    let pair: Pair | undefined;
    afterEach(async () => {
      await pair?.close();
      pair = undefined;
    });

    it('RFC 8936 §2.4 across nodes: a long poll parked on node B gets the SET within 1 s of the event on node A', async () => {
      pair = await startPair(backend);
      const { a, b, urlB } = pair;
      const receiver = await a.admin.createClient({ name: 'guard', scopes: ['ssf'], resources: [SSF_AUDIENCE] });
      const token = await tokenAt(urlB, receiver.client.clientId, receiver.clientSecret, SSF_AUDIENCE, 'ssf');
      expect(token.status).toBe(200);
      const bearer = token.json.access_token as string;
      const stream = await json(urlB, '/ssf/streams', bearer, { delivery: { method: POLL } });
      expect(stream.status).toBe(201);
      const streamId = stream.json.stream_id as string;

      const parked = json(urlB, `/ssf/poll/${streamId}`, bearer, { returnImmediately: false });
      expect(await until(() => b.deviceTrust.ssf!.waiters.size === 1, 3000)).toBe(true);
      const started = performance.now();
      await a.events.emit('device.compliance_changed', { deviceId: 'd1', userId: 'u1', previous: 'compliant', current: 'not-compliant', reasons: ['disk_not_encrypted'], at: new Date(Date.UTC(2026, 0, 1)) });
      const answer = await parked;
      const elapsed = performance.now() - started;

      expect(answer.status).toBe(200);
      const sets = Object.values(answer.json.sets as Record<string, string>);
      expect(sets).toHaveLength(1);
      const payload = JSON.parse(Buffer.from(sets[0]!.split('.')[1]!, 'base64url').toString('utf8')) as { events: object };
      expect(Object.keys(payload.events)).toEqual(['https://schemas.openid.net/secevent/caep/event-type/device-compliance-change']);
      // The correctness bound, not a speed test: woken by node A's message it is milliseconds; by its own timeout, 5 s.
      expect(elapsed).toBeLessThan(1000);
    });

    it('a client disabled through node A is refused by node B at once (its cached entry is dropped)', async () => {
      pair = await startPair(backend);
      const { a, urlA, urlB } = pair;
      await a.admin.createResource({ id: JWT_API, tokenFormat: 'jwt', ttl: '10m', scopes: ['read'] });
      const { client, clientSecret } = await a.admin.createClient({ name: 'svc', scopes: ['read'], resources: [JWT_API] });
      // Node B has the client cached now (the frozen clock never expires it).
      expect((await tokenAt(urlB, client.clientId, clientSecret, JWT_API, 'read')).status).toBe(200);

      await a.admin.setClientDisabled(client.clientId, true);
      expect((await tokenAt(urlA, client.clientId, clientSecret, JWT_API, 'read')).status).toBe(401);
      let last: Awaited<ReturnType<typeof tokenAt>> | undefined;
      const refused = await until(async () => (last = await tokenAt(urlB, client.clientId, clientSecret, JWT_API, 'read')).status === 401, 1000);
      expect(refused, `node B still answered ${last?.status}`).toBe(true);
      expect(last!.json.error).toBe('invalid_client');
    });
  });
}
