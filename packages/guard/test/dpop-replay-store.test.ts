import { generateKeyPairSync } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDpopProof, dpopKeyThumbprint } from '@tessera/token';
import { createGuard, GuardError, redisDpopReplayStore, type DpopReplayStore, type Guard, type GuardOptions, type RequestLike } from '../src/index.js';
import { accessClaims, AUDIENCE, FakeAs, ISSUER, makeKey, NOW, NOW_S, signToken } from './helpers.js';

const API = 'https://api.example.com';
const URL_ = `${API}/v1/reports`;
const holder = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const REDIS_URL = process.env.TESSERA_TEST_REDIS_URL;

let as: FakeAs;
let bound: string;

beforeAll(async () => {
  const key = await makeKey('k1', 'ES256');
  as = new FakeAs([key]);
  bound = await signToken(key, accessClaims({ cnf: { jkt: dpopKeyThumbprint(holder.publicKey) } }));
});

/** One instance of the API; several share `replayStore` the way instances behind a balancer would. */
function instance(dpop: NonNullable<Exclude<GuardOptions['dpop'], false>> = {}, events: [string, Record<string, unknown>][] = []): Guard {
  return createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: () => NOW, dpop: { publicBaseUrl: API, ...dpop }, onEvent: (e, d) => events.push([e, d]) });
}

const proof = (jti: string) => createDpopProof(holder.privateKey, { htm: 'GET', htu: URL_, iat: NOW_S, accessToken: bound, jti });
const request = (dpop: string): RequestLike => ({ headers: { authorization: `DPoP ${bound}`, dpop }, method: 'GET', url: '/v1/reports' });

async function outcome(guard: Guard, req: RequestLike): Promise<string> {
  try {
    await guard.check(req);
    return 'accepted';
  } catch (error) {
    if (error instanceof GuardError) return `${error.status} ${error.code}: ${error.reason}`;
    throw error;
  }
}

/** A store like a shared cache, in memory, answering synchronously or through a promise. */
function memoryStore(async: boolean): DpopReplayStore & { keys: Map<string, number> } {
  const keys = new Map<string, number>();
  const remember = (key: string, ttlMs: number) => {
    if (keys.has(key)) return false;
    keys.set(key, ttlMs);
    return true;
  };
  return { keys, remember: async ? (k, t) => Promise.resolve(remember(k, t)) : remember };
}

describe('DPoP replay across instances (RFC 9449 §11.1: a proof is used once)', () => {
  it('without a shared store each instance remembers only its own proofs (why the option exists)', async () => {
    const a = instance();
    const b = instance();
    const once = proof('per-process');
    expect(await outcome(a, request(once))).toBe('accepted');
    expect(await outcome(a, request(once))).toBe('401 invalid_dpop_proof: dpop: replayed');
    expect(await outcome(b, request(once))).toBe('accepted');
  });

  for (const async of [false, true]) {
    it(`a proof accepted by one instance is refused by another sharing the store (${async ? 'promise' : 'synchronous'} store)`, async () => {
      const store = memoryStore(async);
      const a = instance({ replayStore: store });
      const b = instance({ replayStore: store });
      await a.ready(); // keys loaded: only the store can make the check asynchronous
      const once = proof(`shared-${async}`);
      const first = a.check(request(once));
      expect(first instanceof Promise).toBe(async);
      await first;
      expect(await outcome(b, request(once))).toBe('401 invalid_dpop_proof: dpop: replayed (seen by another instance)');
      // Remembered for the proof's acceptance window (iat + maxAge + 1 s), not longer.
      expect([...store.keys.values()]).toEqual([61_000]);
      expect(await outcome(b, request(proof(`other-${async}`)))).toBe('accepted');
    });
  }

  it('a failing store refuses with 503 temporarily_unavailable by default, and says so in the log', async () => {
    const events: [string, Record<string, unknown>][] = [];
    const guard = instance({ replayStore: { remember: () => Promise.reject(new Error('connection refused')) } }, events);
    expect(await outcome(guard, request(proof('down-1')))).toBe('503 temporarily_unavailable: dpop replay store unavailable');
    expect(events).toContainEqual(['dpop_replay_store_failed', { message: 'connection refused', fallback: 'refuse' }]);
  });

  it('replayStoreFailure "local" accepts on the per-process cache alone, which still refuses a replay', async () => {
    const guard = instance({ replayStore: { remember: () => { throw new Error('down'); } }, replayStoreFailure: 'local' });
    const once = proof('down-2');
    expect(await outcome(guard, request(once))).toBe('accepted');
    expect(await outcome(guard, request(once))).toBe('401 invalid_dpop_proof: dpop: replayed');
  });

  it('refuses a replayStore without remember() and an unknown replayStoreFailure at construction', () => {
    expect(() => instance({ replayStore: {} as DpopReplayStore })).toThrow(/replayStore must have a remember/);
    expect(() => instance({ replayStoreFailure: 'open' as 'local' })).toThrow(/replayStoreFailure must be one of refuse, local/);
    expect(() => redisDpopReplayStore({} as never)).toThrow(/client must have set/);
  });
});

describe.skipIf(!REDIS_URL)('DPoP replay store on Redis (TESSERA_TEST_REDIS_URL)', () => {
  let redis: Redis;
  const prefix = `tessera-test:dpop:${process.pid}:${Date.now()}:`;

  beforeAll(async () => {
    const ioredis = await import('ioredis');
    redis = new ioredis.Redis(REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('two instances on one Redis: the second use of a proof is refused, and the key expires with the proof', async () => {
    const a = instance({ replayStore: redisDpopReplayStore(redis, { prefix }) });
    const b = instance({ replayStore: redisDpopReplayStore(redis, { prefix }) });
    const once = proof('on-redis');
    expect(await outcome(a, request(once))).toBe('accepted');
    expect(await outcome(b, request(once))).toBe('401 invalid_dpop_proof: dpop: replayed (seen by another instance)');
    const [key] = await redis.keys(`${prefix}*`);
    const ttl = await redis.pttl(key!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(61_000);
  });
});
