import { randomBytes } from 'node:crypto';
import { createMemoryStorage, createSqliteStorage, type KeyStore, type Storage } from '@tessera/store';
import { TokenError, importPublicJwk, verifyJwt, type SigningAlg, type VerificationKey } from '@tessera/token';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyManager, type KeyManagerOptions } from '../../src/keys/index.js';
import type { KeySource } from '../../src/tokens/key-source.js';

const HOUR = 3600;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const policy = { rotationPeriod: 7 * DAY, publishAhead: HOUR, retainAfterRetire: 2 * HOUR };

/** A frozen clock that moves only when a test says so. */
function clock() {
  let t = T0;
  return { now: () => t, advance: (seconds: number) => (t += seconds * 1000), get seconds() { return Math.floor(t / 1000); } };
}

const storages: Storage[] = [];
afterEach(async () => {
  for (const s of storages.splice(0)) await s.close();
});

const adapters: Array<[string, () => Promise<Storage>]> = [
  ['memory', async () => createMemoryStorage()],
  [
    'sqlite',
    async () => {
      const storage = createSqliteStorage({ filename: ':memory:' });
      await storage.migrate();
      return storage;
    },
  ],
];

function manager(store: KeyStore, c: ReturnType<typeof clock>, extra: Partial<KeyManagerOptions> = {}) {
  return new KeyManager({ store, masterKey: randomBytes(32), algs: ['EdDSA'], policy, now: c.now, ...extra });
}

function token(km: KeyManager, c: ReturnType<typeof clock>, alg: SigningAlg = 'EdDSA', lifetime = policy.retainAfterRetire) {
  return km.signer(alg).sign({ iss: 'https://as.example', sub: 's', aud: 'a', iat: c.seconds, exp: c.seconds + lifetime, jti: String(c.seconds) }, 'at+jwt');
}

function verifyWith(getKey: (kid: string | undefined) => VerificationKey | undefined, jwt: string) {
  try {
    verifyJwt(jwt, { typ: 'at+jwt', getKey });
    return 'ok';
  } catch (error) {
    return error instanceof TokenError ? error.code : String(error);
  }
}

/** A resource server caching the JWKS for `lifetime` seconds, like the guard does. */
function cachingVerifier(km: KeyManager, c: ReturnType<typeof clock>, lifetime: number) {
  let fetchedAt = -Infinity;
  let keys = new Map<string, VerificationKey>();
  return (jwt: string) => {
    if (c.seconds - fetchedAt >= lifetime) {
      keys = new Map(
        km.jwks().keys.map((jwk) => {
          const j = jwk as { kid: string; alg: SigningAlg };
          return [j.kid, { kid: j.kid, alg: j.alg, key: importPublicJwk(jwk, j.alg) }];
        }),
      );
      fetchedAt = c.seconds;
    }
    return verifyWith((kid) => (kid === undefined ? undefined : keys.get(kid)), jwt);
  };
}

for (const [name, open] of adapters) {
  describe(`KeyManager on the ${name} store`, () => {
    it('bootstraps an empty store: a current key signs at once, the next one is already published', async () => {
      const storage = await open();
      storages.push(storage);
      const c = clock();
      const km = manager(storage.keys, c);
      await km.init();
      const listed = km.list();
      expect(listed.map((k) => k.state).sort()).toEqual(['current', 'next']);
      const current = listed.find((k) => k.state === 'current')!;
      const next = listed.find((k) => k.state === 'next')!;
      expect(km.signer('EdDSA').kid).toBe(current.kid);
      expect(km.jwks().keys.map((k) => k.kid)).toEqual(expect.arrayContaining([current.kid, next.kid]));
      expect(next.activatesAt.getTime()).toBe(T0 + policy.rotationPeriod * 1000);
      expect(verifyWith((kid) => km.verificationKey(kid, 'EdDSA'), token(km, c))).toBe('ok');
    });

    it('keeps tokens signed before a rotation verifying until they expire, and publishes the next key before it signs (issue 2 acceptance)', async () => {
      const storage = await open();
      storages.push(storage);
      const c = clock();
      const km = manager(storage.keys, c, { policy: { ...policy, rotationPeriod: 12 * HOUR } });
      await km.init();
      const cacheLifetime = policy.publishAhead; // the verifier caches the JWKS as long as allowed
      const verifier = cachingVerifier(km, c, cacheLifetime);
      const firstSeen = new Map<string, number>();
      const firstSigned = new Map<string, number>();
      const issued: Array<{ jwt: string; exp: number; kid: string }> = [];
      const step = 10 * 60; // the server ticks; we look every 10 minutes over three rotations
      for (let t = 0; t <= 3 * 12 * HOUR + 4 * HOUR; t += step) {
        await km.tick();
        for (const jwk of km.jwks().keys) if (!firstSeen.has(jwk.kid as string)) firstSeen.set(jwk.kid as string, c.seconds);
        const kid = km.signer('EdDSA').kid;
        if (!firstSigned.has(kid)) firstSigned.set(kid, c.seconds);
        issued.push({ jwt: token(km, c), exp: c.seconds + policy.retainAfterRetire, kid });
        // Every unexpired token verifies, at the server and at a resource server with a cached JWKS.
        for (const old of issued.filter((i) => i.exp > c.seconds)) {
          expect(verifyWith((k) => km.verificationKey(k, 'EdDSA'), old.jwt)).toBe('ok');
          expect(verifier(old.jwt)).toBe('ok');
        }
        c.advance(step);
      }
      expect(firstSigned.size).toBe(4); // bootstrap key + three rotations
      const [bootstrapKid, ...rotated] = [...firstSigned.keys()];
      expect(firstSeen.get(bootstrapKid!)).toBe(firstSigned.get(bootstrapKid!));
      for (const kid of rotated) {
        expect(firstSigned.get(kid)! - firstSeen.get(kid)!).toBeGreaterThanOrEqual(policy.publishAhead);
      }
      // Keys of expired tokens are gone from the JWKS: a retired key leaves once its tokens expired.
      expect(km.jwks().keys.map((k) => k.kid)).not.toContain(bootstrapKid);
      expect(verifyWith((k) => km.verificationKey(k, 'EdDSA'), issued[0]!.jwt)).toBe('unknown_kid');
      expect(km.list().filter((k) => k.state === 'current')).toHaveLength(1);
    });

    it('applies each step once when two nodes start on an empty store at the same time', async () => {
      const storage = await open();
      storages.push(storage);
      const c = clock();
      const masterKey = randomBytes(32);
      const a = manager(storage.keys, c, { masterKey });
      const b = manager(storage.keys, c, { masterKey });
      await Promise.all([a.init(), b.init()]);
      await Promise.all([a.tick(), b.tick()]);
      const records = await storage.keys.list();
      expect(records.filter((r) => r.state === 'current')).toHaveLength(1);
      expect(records.filter((r) => r.state === 'next')).toHaveLength(1);
      expect(a.signer('EdDSA').kid).toBe(b.signer('EdDSA').kid);
      // Both bootstrapped a current key; the loser may have signed, so it stays published for the full
      // retention. Surplus next keys never signed and leave at once.
      const retention = records.filter((r) => r.state === 'retired').map((r) => r.removeAfter!.getTime() - r.retiredAt!.getTime());
      expect(retention).toContain(policy.retainAfterRetire * 1000);
      for (const ms of retention) expect([0, policy.retainAfterRetire * 1000]).toContain(ms);
    });
  });
}

describe('KeyManager', () => {
  it('stores private keys only as AES-256-GCM envelopes bound to their kid', async () => {
    const storage = createMemoryStorage();
    const c = clock();
    const km = manager(storage.keys, c, { algs: ['EdDSA', 'ES256'] });
    await km.init();
    for (const record of await storage.keys.list()) {
      expect(record.encryptedPrivateKey).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      expect(record.publicJwk).not.toHaveProperty('d');
      expect(record.publicJwk).toMatchObject({ kid: record.kid, alg: record.alg, use: 'sig' });
    }
  });

  it('refuses to start with a wrong master key, naming the cause (decrypt_failed)', async () => {
    const storage = createMemoryStorage();
    const c = clock();
    await manager(storage.keys, c).init();
    await expect(manager(storage.keys, c).init()).rejects.toMatchObject({ code: 'decrypt_failed' });
  });

  it('forced rotation publishes a next key and lets it sign only after publishAhead', async () => {
    const storage = createMemoryStorage();
    const c = clock();
    const km = manager(storage.keys, c);
    await km.init();
    const before = km.signer('EdDSA').kid;
    const next = km.list().find((k) => k.state === 'next')!;
    c.advance(2 * DAY);
    // The bootstrap next key has been published since T0, long enough: it is brought forward and signs.
    const listed = await km.rotate();
    expect(km.signer('EdDSA').kid).toBe(next.kid);
    expect(listed.find((k) => k.kid === before)?.state).toBe('retired');
    expect(listed.find((k) => k.kid === next.kid)?.activatesAt.getTime()).toBe(c.now());

    // A second forced rotation creates a fresh next key, which must wait publishAhead.
    const fresh = (await km.rotate()).find((k) => k.state === 'next')!;
    expect(fresh.activatesAt.getTime()).toBe(c.now() + policy.publishAhead * 1000);
    c.advance(policy.publishAhead - 1);
    await km.tick();
    expect(km.signer('EdDSA').kid).toBe(next.kid);
    c.advance(1);
    await km.tick();
    expect(km.signer('EdDSA').kid).toBe(fresh.kid);
  });

  it('immediate rotation switches the signer at once; old tokens keep verifying unless purged', async () => {
    const storage = createMemoryStorage();
    const c = clock();
    const km = manager(storage.keys, c);
    await km.init();
    const oldKid = km.signer('EdDSA').kid;
    const oldToken = token(km, c);
    await km.rotate({ immediate: true });
    expect(km.signer('EdDSA').kid).not.toBe(oldKid);
    expect(km.list().filter((k) => k.state === 'current')).toHaveLength(1);
    expect(verifyWith((k) => km.verificationKey(k), oldToken)).toBe('ok');
    expect(verifyWith((k) => km.verificationKey(k), token(km, c))).toBe('ok');

    const compromised = km.signer('EdDSA').kid;
    const leaked = token(km, c);
    await km.rotate({ immediate: true, purge: true });
    expect(km.jwks().keys.map((k) => k.kid)).not.toContain(compromised);
    expect(verifyWith((k) => km.verificationKey(k), leaked)).toBe('unknown_kid');
  });

  it('drops a retired key from the JWKS at removeAfter even between ticks, and changes the ETag', async () => {
    const storage = createMemoryStorage();
    const c = clock();
    const km = manager(storage.keys, c);
    await km.init();
    const oldKid = km.signer('EdDSA').kid;
    await km.rotate({ immediate: true });
    const etag = km.jwksEtag;
    const jwks = km.jwks();
    expect(km.jwks()).toBe(jwks); // cached object while nothing changes
    expect(jwks.keys.map((k) => k.kid)).toContain(oldKid);
    c.advance(policy.retainAfterRetire);
    expect(km.jwks().keys.map((k) => k.kid)).not.toContain(oldKid);
    expect(km.jwksEtag).not.toBe(etag);
    expect(km.verificationKey(oldKid)).toBeUndefined();
  });

  it('keeps one current key per configured algorithm, each signing with its own algorithm', async () => {
    const storage = createMemoryStorage();
    const c = clock();
    const km = manager(storage.keys, c, { algs: ['EdDSA', 'ES256', 'RS256'] });
    await km.init();
    for (const alg of ['EdDSA', 'ES256', 'RS256'] as const) {
      const signer = km.signer(alg);
      expect(signer.alg).toBe(alg);
      const verified = verifyJwt(token(km, c, alg), { typ: 'at+jwt', getKey: (kid) => km.verificationKey(kid) });
      expect(verified.header).toMatchObject({ alg, kid: signer.kid });
    }
    expect(() => km.signer('PS256' as SigningAlg)).toThrow(/no signer/);
  });

  it('serves as the endpoints’ KeySource (compile-time contract)', async () => {
    const km = manager(createMemoryStorage().keys, clock());
    await km.init();
    const source: KeySource = km;
    expect(source.jwks().keys).toHaveLength(2);
  });

  it('retires the keys of an algorithm removed from the configuration, keeping its tokens verifiable', async () => {
    const storage = createMemoryStorage();
    const c = clock();
    const masterKey = randomBytes(32);
    const both = manager(storage.keys, c, { masterKey, algs: ['EdDSA', 'ES256'] });
    await both.init();
    const esToken = token(both, c, 'ES256');
    const esKid = both.signer('ES256').kid;
    const edOnly = manager(storage.keys, c, { masterKey, algs: ['EdDSA'] });
    await edOnly.init();
    const es = edOnly.list().filter((k) => k.alg === 'ES256');
    // The unused next key is gone at once; the key that signed stays published, retired.
    expect(es.map((k) => [k.kid, k.state])).toEqual([[esKid, 'retired']]);
    expect(es.find((k) => k.kid === esKid)?.removeAfter?.getTime()).toBe(c.now() + policy.retainAfterRetire * 1000);
    expect(verifyWith((k) => edOnly.verificationKey(k), esToken)).toBe('ok');
    expect(() => edOnly.signer('ES256')).toThrow(/no signer/);
    c.advance(policy.retainAfterRetire);
    await edOnly.tick();
    expect(edOnly.list().filter((k) => k.alg === 'ES256')).toEqual([]);
  });

  it('refuses bad configuration at construction', () => {
    const store = createMemoryStorage().keys;
    expect(() => new KeyManager({ store, masterKey: randomBytes(16) })).toThrow(/32 bytes/);
    expect(() => new KeyManager({ store, masterKey: randomBytes(32), algs: ['HS256' as SigningAlg] })).toThrow(/unsupported/);
    expect(() => new KeyManager({ store, masterKey: randomBytes(32), policy: { publishAhead: -1 } })).toThrow(RangeError);
    expect(() => new KeyManager({ store, masterKey: randomBytes(32), policy: { rotationPeriod: 60, publishAhead: 120 } })).toThrow(RangeError);
    expect(() => manager(store, clock()).signer('EdDSA')).toThrow(/init/);
  });

  it('ticks on an unref’d timer and stops', async () => {
    const storage = createMemoryStorage();
    const c = clock();
    const km = manager(storage.keys, c);
    await km.init();
    const first = km.signer('EdDSA').kid;
    c.advance(policy.rotationPeriod);
    km.startTimer(5);
    await new Promise((resolve) => setTimeout(resolve, 60));
    km.stop();
    expect(km.signer('EdDSA').kid).not.toBe(first);
  });

  it('keeps serving its last snapshot when the store fails, and reports the failure', async () => {
    const storage = createMemoryStorage();
    const c = clock();
    const km = manager(storage.keys, c);
    await km.init();
    const kid = km.signer('EdDSA').kid;
    const broken: KeyStore = { ...storage.keys, list: () => Promise.reject(new Error('database is down')) };
    const failing = new KeyManager({ store: broken, masterKey: randomBytes(32), policy, now: c.now });
    await expect(failing.init()).rejects.toThrow('database is down');
    Object.assign(storage.keys, { list: () => Promise.reject(new Error('database is down')) });
    await expect(km.tick()).rejects.toThrow('database is down');
    expect(km.signer('EdDSA').kid).toBe(kid);
  });
});
