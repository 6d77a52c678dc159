import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../src/index.js';
import type { Storage } from '../src/index.js';
import { accountsConformance } from './conformance-accounts.js';
import { devicesConformance } from './conformance-devices.js';
import { flowsConformance } from './conformance-flows.js';
import { pushedRequest, pushedRequestsConformance } from './conformance-pushed.js';
import { rotationConformance } from './conformance-rotation.js';
import { device, report, ssfStream } from './fixtures-devices.js';
import { at, authorizationCode, client, deviceCode, grant, resource, revocation, session, signingKey, T0, token } from './fixtures.js';

/** How the conformance suite gets an isolated storage with no rows in it, and gets rid of it. */
export interface StorageHarness {
  /** A storage with no rows; it may already be migrated (the suite calls `migrate()` again). */
  create(): Promise<Storage>;
  /**
   * A storage on a database nothing has migrated yet, for the migration tests. Defaults to `create`;
   * backends whose `create` recycles a migrated database (to keep the suite fast) must provide it.
   */
  createUnmigrated?(): Promise<Storage>;
  destroy(storage: Storage): Promise<void>;
  /**
   * A second handle on the same database as `storage` (another "node"), unmigrated. Backends that
   * cannot share (memory) omit it and the multi-node tests are skipped. The suite closes it.
   */
  reopen?(storage: Storage): Promise<Storage>;
}

/**
 * The storage contract (packages/store/src/contracts), one test per documented sentence. Every
 * adapter runs exactly this suite; an adapter passes when it behaves like every other.
 */
export function runStorageConformance(name: string, harness: StorageHarness): void {
  describe(`${name} storage conformance`, () => {
    let s: Storage;
    beforeEach(async () => {
      s = await harness.create();
      await s.migrate();
    });
    afterEach(async () => {
      await harness.destroy(s);
    });

    describe('clients', () => {
      it('create then get returns the record exactly as given', async () => {
        const c = client({ jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }] }, metadata: { dpop: true } });
        await s.clients.create(c);
        expect(await s.clients.get(c.clientId)).toEqual(c);
      });
      it('create rejects an existing clientId with ConflictError and keeps the first record', async () => {
        const c = client();
        await s.clients.create(c);
        await expect(s.clients.create({ ...c, name: 'other' })).rejects.toBeInstanceOf(ConflictError);
        expect((await s.clients.get(c.clientId))?.name).toBe(c.name);
      });
      it('get of an unknown clientId resolves undefined', async () => {
        expect(await s.clients.get('nope')).toBeUndefined();
      });
      it('list returns all clients ordered by createdAt', async () => {
        const late = client({ createdAt: at(2000) });
        const early = client({ createdAt: at(1000) });
        await s.clients.create(late);
        await s.clients.create(early);
        expect((await s.clients.list()).map((c) => c.clientId)).toEqual([early.clientId, late.clientId]);
      });
      it('update replaces the stored record and returns true; false when no such client exists', async () => {
        const c = client();
        await s.clients.create(c);
        const changed = { ...c, name: 'renamed', scopes: ['a'], disabled: true, secretHash: null, updatedAt: at(5) };
        expect(await s.clients.update(changed)).toBe(true);
        expect(await s.clients.get(c.clientId)).toEqual(changed);
        expect(await s.clients.update(client())).toBe(false);
      });
      it('delete returns true, then false when there is nothing to delete', async () => {
        const c = client();
        await s.clients.create(c);
        expect(await s.clients.delete(c.clientId)).toBe(true);
        expect(await s.clients.delete(c.clientId)).toBe(false);
        expect(await s.clients.get(c.clientId)).toBeUndefined();
      });
    });

    describe('resources', () => {
      it('create then get returns the record exactly as given', async () => {
        const r = resource({ tokenFormat: 'opaque', scopes: ['a', 'b'] });
        await s.resources.create(r);
        expect(await s.resources.get(r.id)).toEqual(r);
      });
      it('create rejects an existing id with ConflictError', async () => {
        const r = resource();
        await s.resources.create(r);
        await expect(s.resources.create(r)).rejects.toBeInstanceOf(ConflictError);
      });
      it('list orders by createdAt; update replaces (false when absent); delete reports what it did', async () => {
        const b = resource({ createdAt: at(2) });
        const a = resource({ createdAt: at(1) });
        await s.resources.create(b);
        await s.resources.create(a);
        expect((await s.resources.list()).map((r) => r.id)).toEqual([a.id, b.id]);
        const changed = { ...a, accessTokenTtl: 60, tokenFormat: 'opaque' as const };
        expect(await s.resources.update(changed)).toBe(true);
        expect(await s.resources.get(a.id)).toEqual(changed);
        expect(await s.resources.update(resource())).toBe(false);
        expect(await s.resources.delete(a.id)).toBe(true);
        expect(await s.resources.delete(a.id)).toBe(false);
        expect(await s.resources.get('https://unknown.example')).toBeUndefined();
      });
    });

    describe('tokens', () => {
      it('put then get returns every field exactly, keyed by hash', async () => {
        const t = token({
          kind: 'refresh_token', grantId: 'g1', jkt: 'jkt-thumb', deviceId: 'd1', sessionId: 's1',
          claims: { acr: 'urn:mace:incommon:iap:silver', auth_time: 1893456000 }, revokedAt: at(10),
        });
        await s.tokens.put(t);
        expect(await s.tokens.get(t.hash)).toEqual(t);
      });
      it('put rejects a duplicate hash with ConflictError', async () => {
        const t = token();
        await s.tokens.put(t);
        await expect(s.tokens.put({ ...t, jti: 'other' })).rejects.toBeInstanceOf(ConflictError);
        expect((await s.tokens.get(t.hash))?.jti).toBe(t.jti);
      });
      it('concurrent puts each resolve once stored; only the duplicates among them reject with ConflictError', async () => {
        const existing = token();
        await s.tokens.put(existing);
        const fresh = Array.from({ length: 10 }, () => token());
        const results = await Promise.allSettled([
          ...fresh.map((t) => s.tokens.put(t)),
          s.tokens.put({ ...fresh[0]!, jti: 'same-hash-same-turn' }),
          s.tokens.put({ ...existing, jti: 'same-hash-as-stored' }),
        ]);
        expect(results.map((r) => r.status)).toEqual([...fresh.map(() => 'fulfilled'), 'rejected', 'rejected']);
        for (const r of results.slice(10)) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
        for (const t of fresh) expect(await s.tokens.get(t.hash)).toEqual(t);
        expect((await s.tokens.get(existing.hash))?.jti).toBe(existing.jti);
      });
      it('get returns expired and revoked records so callers can tell why a token is inactive', async () => {
        const expired = token({ expiresAt: new Date(0) });
        const revoked = token({ revokedAt: at(1) });
        await s.tokens.put(expired);
        await s.tokens.put(revoked);
        expect(await s.tokens.get(expired.hash)).toEqual(expired);
        expect(await s.tokens.get(revoked.hash)).toEqual(revoked);
        expect(await s.tokens.get('unknown')).toBeUndefined();
      });
      it('revoke sets revokedAt and returns the record; a second revoke keeps the first revokedAt', async () => {
        const t = token();
        await s.tokens.put(t);
        expect(await s.tokens.revoke(t.hash, at(100))).toEqual({ ...t, revokedAt: at(100) });
        expect((await s.tokens.revoke(t.hash, at(200)))?.revokedAt).toEqual(at(100));
        expect((await s.tokens.get(t.hash))?.revokedAt).toEqual(at(100));
      });
      it('revoke of an unknown token resolves undefined', async () => {
        expect(await s.tokens.revoke('unknown', at(1))).toBeUndefined();
      });
      it('concurrent revokes of one token agree on a single revokedAt', async () => {
        const t = token();
        await s.tokens.put(t);
        const results = await Promise.all([1, 2, 3, 4].map((i) => s.tokens.revoke(t.hash, at(i))));
        const times = new Set(results.map((r) => r?.revokedAt?.getTime()));
        expect(times.size).toBe(1);
        expect((await s.tokens.get(t.hash))?.revokedAt?.getTime()).toBe([...times][0]);
      });
      it('revokeByGrant revokes only not-yet-revoked tokens of that grant and counts them', async () => {
        const fresh = [token({ grantId: 'g' }), token({ grantId: 'g', kind: 'refresh_token' })];
        const already = token({ grantId: 'g', revokedAt: at(1) });
        const other = token({ grantId: 'h' });
        const none = token();
        for (const t of [...fresh, already, other, none]) await s.tokens.put(t);
        expect(await s.tokens.revokeByGrant('g', at(50))).toBe(2);
        for (const t of fresh) expect((await s.tokens.get(t.hash))?.revokedAt).toEqual(at(50));
        expect((await s.tokens.get(already.hash))?.revokedAt).toEqual(at(1));
        expect((await s.tokens.get(other.hash))?.revokedAt).toBeNull();
        expect((await s.tokens.get(none.hash))?.revokedAt).toBeNull();
        expect(await s.tokens.revokeByGrant('g', at(60))).toBe(0);
        expect(await s.tokens.revokeByGrant('unknown', at(60))).toBe(0);
      });
      it('revokeByGrant is atomic: concurrent calls for one grant change each token exactly once', async () => {
        const family = Array.from({ length: 20 }, () => token({ grantId: 'fam' }));
        for (const t of family) await s.tokens.put(t);
        const counts = await Promise.all([at(1), at(2), at(3)].map((when) => s.tokens.revokeByGrant('fam', when)));
        expect(counts.reduce((a, b) => a + b, 0)).toBe(20);
        const times = new Set<number | undefined>();
        for (const t of family) times.add((await s.tokens.get(t.hash))?.revokedAt?.getTime());
        // One statement won the whole family; a torn write would mix revocation times.
        expect(times.size).toBe(1);
      });
      it('pruneExpired deletes tokens whose expiresAt is before `before` and returns how many', async () => {
        const old = token({ expiresAt: at(-1) });
        const edge = token({ expiresAt: at(0) });
        const live = token({ expiresAt: at(1) });
        for (const t of [old, edge, live]) await s.tokens.put(t);
        expect(await s.tokens.pruneExpired(T0)).toBe(1);
        expect(await s.tokens.get(old.hash)).toBeUndefined();
        expect(await s.tokens.get(edge.hash)).toBeDefined();
        expect(await s.tokens.get(live.hash)).toBeDefined();
      });
    });

    describe('revocations', () => {
      it('add then get returns the record; get of an unrevoked jti is undefined', async () => {
        const r = revocation({ reason: 'device_not_compliant' });
        await s.revocations.add(r);
        expect(await s.revocations.get(r.jti)).toEqual(r);
        expect(await s.revocations.get('not-revoked')).toBeUndefined();
      });
      it('add is idempotent: revoking a revoked jti keeps the first record and resolves normally', async () => {
        const r = revocation();
        await s.revocations.add(r);
        await expect(s.revocations.add({ ...r, revokedAt: at(9_999), reason: 'again' })).resolves.toBeUndefined();
        await Promise.all([s.revocations.add({ ...r, reason: 'x' }), s.revocations.add({ ...r, reason: 'y' })]);
        expect(await s.revocations.get(r.jti)).toEqual(r);
      });
      it('listSince returns records revoked at or after `since`, oldest first, at most `limit`', async () => {
        const rs = [3, 1, 4, 2, 5].map((n) => revocation({ jti: `j${n}`, revokedAt: at(n * 1000) }));
        for (const r of rs) await s.revocations.add(r);
        expect((await s.revocations.listSince(at(2000), 10)).map((r) => r.jti)).toEqual(['j2', 'j3', 'j4', 'j5']);
        expect((await s.revocations.listSince(at(2000), 2)).map((r) => r.jti)).toEqual(['j2', 'j3']);
        expect((await s.revocations.listSince(at(2001), 1)).map((r) => r.jti)).toEqual(['j3']);
        expect(await s.revocations.listSince(at(6000), 10)).toEqual([]);
        expect(await s.revocations.listSince(at(0), 0)).toEqual([]);
        expect(await s.revocations.listSince(at(0), -1)).toEqual([]);
        expect(await s.revocations.listSince(at(0), Number.NaN)).toEqual([]);
        expect((await s.revocations.listSince(at(0), 2.9)).map((r) => r.jti)).toEqual(['j1', 'j2']);
      });
      it('pruneExpired deletes entries whose expiresAt is before `before` and returns how many', async () => {
        const gone = revocation({ expiresAt: at(-1) });
        const kept = revocation({ expiresAt: at(0) });
        await s.revocations.add(gone);
        await s.revocations.add(kept);
        expect(await s.revocations.pruneExpired(T0)).toBe(1);
        expect(await s.revocations.get(gone.jti)).toBeUndefined();
        expect(await s.revocations.get(kept.jti)).toEqual(kept);
      });
    });

    describe('signing keys', () => {
      it('insert then list returns every key, every state, ordered by createdAt', async () => {
        const k2 = signingKey({ createdAt: at(2), state: 'current', alg: 'ES256' });
        const k1 = signingKey({ createdAt: at(1), state: 'retired', retiredAt: at(5), removeAfter: at(9) });
        const k3 = signingKey({ createdAt: at(3), alg: 'RS256' });
        for (const k of [k2, k1, k3]) await s.keys.insert(k);
        expect(await s.keys.list()).toEqual([k1, k2, k3]);
      });
      it('insert rejects a duplicate kid with ConflictError', async () => {
        const k = signingKey();
        await s.keys.insert(k);
        await expect(s.keys.insert({ ...k, state: 'current' })).rejects.toBeInstanceOf(ConflictError);
      });
      it('transition applies the patch only if the key is in state `from`, and says whether it applied', async () => {
        const k = signingKey();
        await s.keys.insert(k);
        expect(await s.keys.transition(k.kid, 'current', { state: 'retired' })).toBe(false);
        expect(await s.keys.transition(k.kid, 'next', { state: 'current', activatesAt: at(7) })).toBe(true);
        expect(await s.keys.list()).toEqual([{ ...k, state: 'current', activatesAt: at(7) }]);
        expect(await s.keys.transition(k.kid, 'current', { state: 'retired', retiredAt: at(8), removeAfter: at(9) })).toBe(true);
        expect(await s.keys.list()).toEqual([{ ...k, state: 'retired', activatesAt: at(7), retiredAt: at(8), removeAfter: at(9) }]);
        expect(await s.keys.transition('unknown', 'next', { state: 'current' })).toBe(false);
      });
      it('two concurrent transitions from the same state: exactly one wins', async () => {
        const k = signingKey();
        await s.keys.insert(k);
        const won = await Promise.all([
          s.keys.transition(k.kid, 'next', { state: 'current', activatesAt: at(1) }),
          s.keys.transition(k.kid, 'next', { state: 'current', activatesAt: at(2) }),
          s.keys.transition(k.kid, 'next', { state: 'current', activatesAt: at(3) }),
        ]);
        expect(won.filter(Boolean)).toHaveLength(1);
        const winner = won.indexOf(true) + 1;
        expect((await s.keys.list())[0]?.activatesAt).toEqual(at(winner));
      });
      it('delete returns true, then false when absent', async () => {
        const k = signingKey();
        await s.keys.insert(k);
        expect(await s.keys.delete(k.kid)).toBe(true);
        expect(await s.keys.delete(k.kid)).toBe(false);
        expect(await s.keys.list()).toEqual([]);
      });
    });

    describe('replay', () => {
      const future = new Date(Date.now() + 3_600_000);
      it('use resolves true for a new key, then false while it has not expired (a replay)', async () => {
        expect(await s.replay.use('dpop:abc', future)).toBe(true);
        expect(await s.replay.use('dpop:abc', future)).toBe(false);
        expect(await s.replay.use('dpop:other', future)).toBe(true);
      });
      it('concurrent use of one key: exactly one caller gets true', async () => {
        const results = await Promise.all(Array.from({ length: 5 }, () => s.replay.use('jti:race', future)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });
      it('use is true again after the marker expired and was pruned; pruneExpired returns how many', async () => {
        const soon = new Date(future.getTime() - 1);
        expect(await s.replay.use('k1', soon)).toBe(true);
        expect(await s.replay.use('k2', future)).toBe(true);
        expect(await s.replay.pruneExpired(future)).toBe(1);
        expect(await s.replay.use('k1', future)).toBe(true);
        expect(await s.replay.use('k2', future)).toBe(false);
      });
      it('a marker whose expiresAt has passed is not a replay, even before pruning', async () => {
        expect(await s.replay.use('stale', new Date(Date.now() - 1000))).toBe(true);
        expect(await s.replay.use('stale', future)).toBe(true);
        expect(await s.replay.use('stale', future)).toBe(false);
      });
    });

    accountsConformance(() => s);
    flowsConformance(() => s);
    rotationConformance(() => s);
    devicesConformance(() => s);
    pushedRequestsConformance(() => s);

    describe('storage', () => {
      it('pruneExpired prunes every slice and returns counts per slice', async () => {
        await s.tokens.put(token({ expiresAt: at(-1) }));
        await s.tokens.put(token({ expiresAt: at(1) }));
        await s.revocations.add(revocation({ expiresAt: at(-5) }));
        await s.replay.use('r', at(-1));
        await s.keys.insert(signingKey({ state: 'retired', retiredAt: at(-9), removeAfter: at(-1) }));
        await s.keys.insert(signingKey({ state: 'retired', retiredAt: at(-9), removeAfter: at(1) }));
        await s.sessions.create(session({ expiresAt: at(-1) }));
        await s.loginThrottle.increment('k', at(-120_000), 60);
        await s.authorizationCodes.create(authorizationCode({ expiresAt: at(-1) }));
        await s.authorizationCodes.create(authorizationCode({ expiresAt: at(1) }));
        await s.deviceCodes.create(deviceCode({ createdAt: at(-10), expiresAt: at(-1) }));
        await s.deviceCodes.create(deviceCode());
        await s.grants.create(grant({ revokedAt: at(-1) }));
        await s.grants.create(grant());
        await s.cutoffs.set({ kind: 'device', id: 'gone', at: at(-10), expiresAt: at(-1) });
        await s.cutoffs.set({ kind: 'device', id: 'live', at: at(-10), expiresAt: at(1) });
        await s.ssfStreams.create(ssfStream({ id: 'prune-stream' }));
        await s.ssfEvents.enqueue({ streamId: 'prune-stream', jti: 'sent', set: 's', createdAt: at(-10) });
        await s.ssfEvents.enqueue({ streamId: 'prune-stream', jti: 'waiting', set: 's', createdAt: at(-10) });
        await s.ssfEvents.markDelivered('sent', at(-1));
        await s.pushedRequests.create(pushedRequest({ expiresAt: at(-1) }));
        await s.pushedRequests.create(pushedRequest({ expiresAt: at(1) }));
        const once = {
          tokens: 1, revocations: 1, replay: 1, keys: 1, sessions: 1, loginThrottle: 1, authorizationCodes: 1, deviceCodes: 1, grants: 1,
          cutoffs: 1, ssfEvents: 1, pushedRequests: 1,
        };
        expect(await s.pruneExpired(T0)).toEqual(once);
        expect(await s.pruneExpired(T0)).toEqual(Object.fromEntries(Object.keys(once).map((k) => [k, 0])));
      });
      it('Dates round-trip exactly, to the millisecond, across the whole useful range', async () => {
        const instants = [new Date(0), new Date(1), new Date('1999-12-31T23:59:59.999Z'), T0, new Date(8.64e15)];
        for (const when of instants) {
          const t = token({ issuedAt: when, expiresAt: when, revokedAt: when });
          await s.tokens.put(t);
          const got = await s.tokens.get(t.hash);
          expect(got?.issuedAt).toBeInstanceOf(Date);
          expect([got?.issuedAt.getTime(), got?.expiresAt.getTime(), got?.revokedAt?.getTime()]).toEqual([when.getTime(), when.getTime(), when.getTime()]);
        }
      });
      it('JSON fields round-trip: unicode, nested objects, arrays, numbers, booleans, null', async () => {
        const claims = {
          name: 'Zoë Ångström — 東京 🔐', nested: { deep: { list: [1, 2.5, -3, { x: null }], flag: false } },
          quote: 'he said "hi"\n\ttab \\ backslash', empty: {}, emptyList: [],
        };
        const t = token({ claims, audience: ['https://api.example.com/ü', 'urn:x'], scope: ['a:b', 'c'] });
        await s.tokens.put(t);
        expect(await s.tokens.get(t.hash)).toEqual(t);
        const c = client({ metadata: claims, redirectUris: ['https://app.example.com/cb?q=ß'] });
        await s.clients.create(c);
        expect(await s.clients.get(c.clientId)).toEqual(c);
      });
      it('records handed out are copies: mutating them changes nothing stored', async () => {
        const t = token({ scope: ['a'] });
        await s.tokens.put(t);
        t.scope.push('mutated-after-put');
        const got = await s.tokens.get(t.hash);
        got?.scope.push('mutated-after-get');
        expect((await s.tokens.get(t.hash))?.scope).toEqual(['a']);
      });
      it('migrate() a second time is a no-op that keeps the data', async () => {
        const c = client();
        await s.clients.create(c);
        await s.migrate();
        expect(await s.clients.get(c.clientId)).toEqual(c);
      });
      it('ping resolves when the backend answers', async () => {
        await expect(s.ping()).resolves.toBeUndefined();
      });
    });

    describe.skipIf(!harness.reopen)('several nodes on one database', () => {
      it('concurrent migrate() from two storages on the same database succeeds and both see one schema', async () => {
        const fresh = await (harness.createUnmigrated ?? harness.create)();
        const twin = await harness.reopen!(fresh);
        try {
          await Promise.all([fresh.migrate(), twin.migrate(), fresh.migrate()]);
          const k = signingKey();
          await fresh.keys.insert(k);
          expect(await twin.keys.list()).toEqual([k]);
        } finally {
          await twin.close();
          await harness.destroy(fresh);
        }
      });
      it('a refresh rotation raced from two nodes rotates exactly once (RFC 9700 §4.14.2)', async () => {
        const twin = await harness.reopen!(s);
        try {
          for (let round = 0; round < 5; round++) {
            const old = token({ kind: 'refresh_token', grantId: 'fam' });
            await s.tokens.put(old);
            const results = await Promise.all([
              s.tokens.rotate(old.hash, token({ kind: 'refresh_token' }), at(1)),
              twin.tokens.rotate(old.hash, token({ kind: 'refresh_token' }), at(1)),
            ]);
            expect(results.map((r) => r.status).sort()).toEqual(['already_rotated', 'rotated']);
          }
        } finally {
          await twin.close();
        }
      });
      it('an authorization code consumed from two nodes at once is ok exactly once', async () => {
        const twin = await harness.reopen!(s);
        try {
          const code = authorizationCode();
          await s.authorizationCodes.create(code);
          const results = await Promise.all([s, twin, s, twin].map((node) => node.authorizationCodes.consume(code.hash, at(1))));
          expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
        } finally {
          await twin.close();
        }
      });
      it('posture reports raced from two nodes: the newest is stored, each event id applied once', async () => {
        const twin = await harness.reopen!(s);
        try {
          const d = device();
          await s.devices.create(d);
          const reports = Array.from({ length: 12 }, (_, i) => report((i + 1) * 1000));
          const results = await Promise.all(reports.flatMap((r, i) => [s, twin].map((node) =>
            node.devices.recordPosture(d.id, r, at(100_000 + i)))));
          expect(results.filter((r) => r.status === 'applied').length).toBeLessThanOrEqual(12);
          expect((await twin.devices.get(d.id))?.posture?.eventId).toBe(reports[11]!.eventId);
          const history = await s.devices.history(d.id, 100);
          expect(new Set(history.map((h) => h.eventId)).size).toBe(history.length);
          expect(history).toHaveLength(results.filter((r) => r.status === 'applied').length);
        } finally {
          await twin.close();
        }
      });
      it('a compliance flip raced from two nodes is set exactly once', async () => {
        const twin = await harness.reopen!(s);
        try {
          const d = device({ compliance: { compliant: true, reasons: [], evaluatedAt: at(1) } });
          await s.devices.create(d);
          const results = await Promise.all([s, twin, s, twin].map((node, i) =>
            node.devices.setCompliance(d.id, d.compliance, { compliant: false, reasons: ['disk_not_encrypted'], evaluatedAt: at(10 + i) })));
          expect(results.filter((r) => r.status === 'set')).toHaveLength(1);
        } finally {
          await twin.close();
        }
      });
      it('an SSF event claimed from two nodes at once goes to one of them', async () => {
        const twin = await harness.reopen!(s);
        try {
          const stream = ssfStream();
          await s.ssfStreams.create(stream);
          for (let i = 0; i < 10; i++) await s.ssfEvents.enqueue({ streamId: stream.id, jti: `n${i}`, set: 's', createdAt: at(i) });
          const [a, b] = await Promise.all([s.ssfEvents.claimDue(at(100), 10, 30), twin.ssfEvents.claimDue(at(100), 10, 30)]);
          const jtis = [...a!, ...b!].map((e) => e.jti).sort();
          expect(jtis).toEqual(Array.from({ length: 10 }, (_, i) => `n${i}`).sort());
        } finally {
          await twin.close();
        }
      });
      it('a key transition raced from two nodes applies exactly once', async () => {
        const twin = await harness.reopen!(s);
        try {
          const k = signingKey();
          await s.keys.insert(k);
          const won = await Promise.all([
            s.keys.transition(k.kid, 'next', { state: 'current' }),
            twin.keys.transition(k.kid, 'next', { state: 'current' }),
          ]);
          expect(won.filter(Boolean)).toHaveLength(1);
        } finally {
          await twin.close();
        }
      });
    });
  });
}
