import { describe, expect, it } from 'vitest';
import { ConflictError } from '../src/index.js';
import type { Storage } from '../src/index.js';
import { at, authorizationCode, deviceCode, deviceSignIn, grant, T0 } from './fixtures.js';

/** Authorization codes, grants/consent and device codes; part of {@link runStorageConformance}. */
export function flowsConformance(storage: () => Storage): void {
  describe('authorization codes', () => {
    it('create then consume returns ok with every field and consumedAt set', async () => {
      const c = authorizationCode({ acr: 'urn:x:mfa', dpopJkt: 'thumb', nonce: null, sessionId: null });
      await storage().authorizationCodes.create(c);
      expect(await storage().authorizationCodes.consume(c.hash, at(5))).toEqual({ status: 'ok', record: { ...c, consumedAt: at(5) } });
    });
    it('create rejects a duplicate hash with ConflictError', async () => {
      const c = authorizationCode();
      await storage().authorizationCodes.create(c);
      await expect(storage().authorizationCodes.create({ ...c, userId: 'other' })).rejects.toBeInstanceOf(ConflictError);
    });
    it('a second consume is replayed, with the record as the first consumption left it (RFC 6749 §4.1.2)', async () => {
      const c = authorizationCode();
      await storage().authorizationCodes.create(c);
      await storage().authorizationCodes.consume(c.hash, at(1));
      const again = await storage().authorizationCodes.consume(c.hash, at(2));
      expect(again).toEqual({ status: 'replayed', record: { ...c, consumedAt: at(1) } });
    });
    it('consume of an unknown code is not_found', async () => {
      expect(await storage().authorizationCodes.consume('unknown', at(1))).toEqual({ status: 'not_found' });
    });
    it('10 concurrent consumes of one code: exactly one ok, nine replayed', async () => {
      const c = authorizationCode();
      await storage().authorizationCodes.create(c);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => storage().authorizationCodes.consume(c.hash, at(i))));
      expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'replayed')).toHaveLength(9);
      const winner = results.find((r) => r.status === 'ok');
      for (const r of results) if (r.status === 'replayed') expect(r.record.consumedAt).toEqual(winner?.status === 'ok' && winner.record.consumedAt);
    });
    it('an expired code is still consumed and returned: expiry is the caller\'s check', async () => {
      const c = authorizationCode({ expiresAt: at(-1) });
      await storage().authorizationCodes.create(c);
      expect(await storage().authorizationCodes.consume(c.hash, at(1))).toMatchObject({ status: 'ok', record: { expiresAt: at(-1) } });
    });
    it('pruneExpired deletes codes expired before `before`, consumed or not', async () => {
      const gone = authorizationCode({ expiresAt: at(-1), consumedAt: at(-30) });
      const edge = authorizationCode({ expiresAt: at(0) });
      await storage().authorizationCodes.create(gone);
      await storage().authorizationCodes.create(edge);
      expect(await storage().authorizationCodes.pruneExpired(T0)).toBe(1);
      expect(await storage().authorizationCodes.consume(gone.hash, at(1))).toEqual({ status: 'not_found' });
      expect((await storage().authorizationCodes.consume(edge.hash, at(1))).status).toBe('ok');
    });
  });

  describe('grants and consent', () => {
    it('create then get returns the record; duplicate id is a ConflictError; unknown is undefined', async () => {
      const g = grant();
      await storage().grants.create(g);
      expect(await storage().grants.get(g.id)).toEqual(g);
      await expect(storage().grants.create({ ...g, userId: 'x' })).rejects.toBeInstanceOf(ConflictError);
      expect(await storage().grants.get('nope')).toBeUndefined();
    });
    it('update replaces scope and resources of a live grant; undefined when revoked or unknown', async () => {
      const g = grant();
      await storage().grants.create(g);
      const change = { scope: ['openid'], resources: [] };
      expect(await storage().grants.update(g.id, change, at(3))).toEqual({ ...g, ...change, updatedAt: at(3) });
      await storage().grants.revoke(g.id, at(4));
      expect(await storage().grants.update(g.id, { scope: ['x'], resources: [] }, at(5))).toBeUndefined();
      expect((await storage().grants.get(g.id))?.scope).toEqual(['openid']);
      expect(await storage().grants.update('nope', change, at(5))).toBeUndefined();
    });
    it('revoke sets revokedAt once; concurrent revokes agree on one time; unknown is undefined', async () => {
      const g = grant();
      await storage().grants.create(g);
      const results = await Promise.all([at(1), at(2), at(3)].map((when) => storage().grants.revoke(g.id, when)));
      expect(new Set(results.map((r) => r?.revokedAt?.getTime())).size).toBe(1);
      expect((await storage().grants.revoke(g.id, at(9)))?.revokedAt).toEqual(results[0]?.revokedAt);
      expect(await storage().grants.revoke('nope', at(1))).toBeUndefined();
    });
    it('listByUser returns the user\'s live grants, oldest first', async () => {
      const late = grant({ createdAt: at(2) });
      const early = grant({ createdAt: at(1) });
      const revoked = grant({ revokedAt: at(3) });
      const someoneElse = grant({ userId: 'u2' });
      for (const g of [late, early, revoked, someoneElse]) await storage().grants.create(g);
      expect(await storage().grants.listByUser('u1')).toEqual([early, late]);
      expect(await storage().grants.listByUser('nobody')).toEqual([]);
    });
    it('saveConsent remembers scopes and resources; a later save adds to them and never removes', async () => {
      expect(await storage().grants.findConsent('u1', 'c1')).toBeUndefined();
      const first = await storage().grants.saveConsent('u1', 'c1', { scopes: ['profile', 'openid'], resources: ['https://a'] }, at(1));
      expect(first).toEqual({ userId: 'u1', clientId: 'c1', scopes: ['openid', 'profile'], resources: ['https://a'], createdAt: at(1), updatedAt: at(1) });
      const merged = await storage().grants.saveConsent('u1', 'c1', { scopes: ['email', 'openid', 'email'], resources: [] }, at(2));
      expect(merged).toEqual({ ...first, scopes: ['email', 'openid', 'profile'], updatedAt: at(2) });
      expect(await storage().grants.findConsent('u1', 'c1')).toEqual(merged);
      // Consent is per (user, client).
      expect(await storage().grants.findConsent('u1', 'c2')).toBeUndefined();
      expect(await storage().grants.findConsent('u2', 'c1')).toBeUndefined();
    });
    it('concurrent saveConsent calls both land (a union)', async () => {
      await Promise.all([
        storage().grants.saveConsent('u1', 'c1', { scopes: ['a', 'b'], resources: [] }, at(1)),
        storage().grants.saveConsent('u1', 'c1', { scopes: ['b', 'c'], resources: ['r'] }, at(1)),
      ]);
      expect(await storage().grants.findConsent('u1', 'c1')).toMatchObject({ scopes: ['a', 'b', 'c'], resources: ['r'] });
    });
    it('saveConsent of nothing on a pair without consent stores nothing', async () => {
      expect(await storage().grants.saveConsent('u1', 'c1', { scopes: [], resources: [] }, at(1)))
        .toEqual({ userId: 'u1', clientId: 'c1', scopes: [], resources: [], createdAt: at(1), updatedAt: at(1) });
      expect(await storage().grants.findConsent('u1', 'c1')).toBeUndefined();
    });
    it('revokeConsent forgets one (user, client) pair and says whether there was any; grants untouched', async () => {
      const g = grant({ userId: 'u1', clientId: 'c1' });
      await storage().grants.create(g);
      await storage().grants.saveConsent('u1', 'c1', { scopes: ['a'], resources: [] }, at(1));
      await storage().grants.saveConsent('u1', 'c2', { scopes: ['a'], resources: [] }, at(1));
      expect(await storage().grants.revokeConsent('u1', 'c1')).toBe(true);
      expect(await storage().grants.revokeConsent('u1', 'c1')).toBe(false);
      expect(await storage().grants.findConsent('u1', 'c1')).toBeUndefined();
      expect(await storage().grants.findConsent('u1', 'c2')).toBeDefined();
      expect(await storage().grants.get(g.id)).toEqual(g);
    });
    it('pruneExpired deletes only grants revoked before `before`', async () => {
      const gone = grant({ revokedAt: at(-1) });
      const recent = grant({ revokedAt: at(0) });
      const live = grant();
      for (const g of [gone, recent, live]) await storage().grants.create(g);
      expect(await storage().grants.pruneExpired(T0)).toBe(1);
      expect(await storage().grants.get(gone.id)).toBeUndefined();
      expect(await storage().grants.get(recent.id)).toEqual(recent);
      expect(await storage().grants.get(live.id)).toEqual(live);
    });
  });

  describe('device codes (RFC 8628)', () => {
    it('create then findByUserCode returns the record; an unknown user code is undefined', async () => {
      const d = deviceCode({ resource: ['https://api.example.com/tv'] });
      await storage().deviceCodes.create(d);
      expect(await storage().deviceCodes.findByUserCode(d.userCode)).toEqual(d);
      expect(await storage().deviceCodes.findByUserCode('NOPE0000')).toBeUndefined();
    });
    it('create rejects a user code held by a live code (ConflictError), and takes over an expired one', async () => {
      const live = deviceCode();
      await storage().deviceCodes.create(live);
      await expect(storage().deviceCodes.create(deviceCode({ userCode: live.userCode }))).rejects.toBeInstanceOf(ConflictError);
      const stale = deviceCode({ createdAt: at(-700_000), expiresAt: at(-100_000) });
      await storage().deviceCodes.create(stale);
      const fresh = deviceCode({ userCode: stale.userCode });
      await storage().deviceCodes.create(fresh);
      expect(await storage().deviceCodes.findByUserCode(stale.userCode)).toEqual(fresh);
      expect(await storage().deviceCodes.poll(stale.hash, at(1))).toEqual({ status: 'not_found' });
    });
    it('create rejects a duplicate device-code hash with ConflictError', async () => {
      const d = deviceCode();
      await storage().deviceCodes.create(d);
      await expect(storage().deviceCodes.create(deviceCode({ hash: d.hash }))).rejects.toBeInstanceOf(ConflictError);
      expect(await storage().deviceCodes.findByUserCode(d.userCode)).toEqual(d);
    });
    it('two concurrent creates with one user code: exactly one succeeds', async () => {
      const results = await Promise.allSettled([1, 2, 3].map(() => storage().deviceCodes.create(deviceCode({ userCode: 'RACE0001' }))));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });
    it('approve moves a pending code to approved with the user, grant and granted scope; only once', async () => {
      const d = deviceCode({ scope: ['openid', 'offline_access'] });
      await storage().deviceCodes.create(d);
      const signIn = deviceSignIn({ sessionId: 'sid-9', acr: null, amr: ['pwd'] });
      const approved = await storage().deviceCodes.approve(d.userCode, { userId: 'u9', grantId: 'g9', scope: ['openid'], signIn }, at(1));
      expect(approved).toEqual({ ...d, status: 'approved', userId: 'u9', grantId: 'g9', scope: ['openid'], signIn });
      expect(await storage().deviceCodes.approve(d.userCode, { userId: 'u8', grantId: 'g8', signIn: deviceSignIn() }, at(2))).toBeUndefined();
      expect(await storage().deviceCodes.deny(d.userCode, 'u8', at(2))).toBeUndefined();
      expect(await storage().deviceCodes.findByUserCode(d.userCode)).toEqual(approved);
    });
    it('deny moves a pending code to denied; approve of an expired or unknown code does nothing', async () => {
      const d = deviceCode();
      await storage().deviceCodes.create(d);
      expect(await storage().deviceCodes.deny(d.userCode, 'u1', at(1))).toEqual({ ...d, status: 'denied', userId: 'u1' });
      const expired = deviceCode({ expiresAt: at(10) });
      await storage().deviceCodes.create(expired);
      expect(await storage().deviceCodes.approve(expired.userCode, { userId: 'u1', grantId: 'g', signIn: deviceSignIn() }, at(10))).toBeUndefined();
      expect((await storage().deviceCodes.findByUserCode(expired.userCode))?.status).toBe('pending');
      expect(await storage().deviceCodes.approve('NOPE0000', { userId: 'u1', grantId: 'g', signIn: deviceSignIn() }, at(1))).toBeUndefined();
    });
    it('concurrent approve and deny of one code: exactly one decision lands', async () => {
      const d = deviceCode();
      await storage().deviceCodes.create(d);
      const results = await Promise.all([
        storage().deviceCodes.approve(d.userCode, { userId: 'u1', grantId: 'g', signIn: deviceSignIn() }, at(1)),
        storage().deviceCodes.deny(d.userCode, 'u1', at(1)),
        storage().deviceCodes.approve(d.userCode, { userId: 'u2', grantId: 'h', signIn: deviceSignIn() }, at(1)),
      ]);
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });
    it('poll while pending is authorization_pending and records lastPolledAt (RFC 8628 §3.5)', async () => {
      const d = deviceCode();
      await storage().deviceCodes.create(d);
      const first = await storage().deviceCodes.poll(d.hash, at(1_000));
      expect(first).toEqual({ status: 'pending', slowDown: false, record: { ...d, lastPolledAt: at(1_000) } });
      const second = await storage().deviceCodes.poll(d.hash, at(6_000));
      expect(second).toEqual({ status: 'pending', slowDown: false, record: { ...d, lastPolledAt: at(6_000) } });
    });
    it('polling sooner than `interval` is slow_down and the interval grows by 5 seconds for all later polls (RFC 8628 §3.5)', async () => {
      const d = deviceCode({ interval: 5 });
      await storage().deviceCodes.create(d);
      await storage().deviceCodes.poll(d.hash, at(0));
      const fast = await storage().deviceCodes.poll(d.hash, at(4_999));
      expect(fast).toMatchObject({ status: 'pending', slowDown: true, record: { interval: 10, lastPolledAt: at(4_999) } });
      // 9.999 s later is still too fast under the new 10 s interval.
      expect(await storage().deviceCodes.poll(d.hash, at(14_998))).toMatchObject({ slowDown: true, record: { interval: 15 } });
      expect(await storage().deviceCodes.poll(d.hash, at(29_998))).toMatchObject({ slowDown: false, record: { interval: 15 } });
      expect((await storage().deviceCodes.findByUserCode(d.userCode))?.interval).toBe(15);
    });
    it('concurrent polls at one instant: the first is pending, every other is slow_down', async () => {
      const d = deviceCode();
      await storage().deviceCodes.create(d);
      const results = await Promise.all(Array.from({ length: 4 }, () => storage().deviceCodes.poll(d.hash, at(1))));
      expect(results.filter((r) => r.status === 'pending' && !r.slowDown)).toHaveLength(1);
      expect(results.filter((r) => r.status === 'pending' && r.slowDown)).toHaveLength(3);
      expect((await storage().deviceCodes.findByUserCode(d.userCode))?.interval).toBe(5 + 3 * 5);
    });
    it('an approved code answers approved exactly once, then consumed (invalid_grant), even under concurrent polls', async () => {
      const d = deviceCode();
      await storage().deviceCodes.create(d);
      await storage().deviceCodes.approve(d.userCode, { userId: 'u1', grantId: 'g1', signIn: deviceSignIn() }, at(1));
      const results = await Promise.all(Array.from({ length: 5 }, (_, i) => storage().deviceCodes.poll(d.hash, at(10_000 * (i + 1)))));
      expect(results.filter((r) => r.status === 'approved')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'consumed')).toHaveLength(4);
      const won = results.find((r) => r.status === 'approved');
      expect(won).toMatchObject({ record: { status: 'consumed', userId: 'u1', grantId: 'g1', signIn: deviceSignIn() } });
      expect(await storage().deviceCodes.poll(d.hash, at(90_000))).toMatchObject({ status: 'consumed' });
    });
    it('a denied code polls as denied (access_denied); an unknown one as not_found', async () => {
      const d = deviceCode();
      await storage().deviceCodes.create(d);
      await storage().deviceCodes.deny(d.userCode, 'u1', at(1));
      expect(await storage().deviceCodes.poll(d.hash, at(2))).toMatchObject({ status: 'denied', record: { userId: 'u1' } });
      expect(await storage().deviceCodes.poll('unknown', at(2))).toEqual({ status: 'not_found' });
    });
    it('a code polled at or after expiresAt is expired (expired_token) and nothing is written, even if approved', async () => {
      const d = deviceCode({ expiresAt: at(100) });
      await storage().deviceCodes.create(d);
      await storage().deviceCodes.approve(d.userCode, { userId: 'u1', grantId: 'g1', signIn: deviceSignIn() }, at(1));
      expect(await storage().deviceCodes.poll(d.hash, at(100))).toMatchObject({ status: 'expired', record: { status: 'approved', lastPolledAt: null } });
      expect((await storage().deviceCodes.findByUserCode(d.userCode))?.status).toBe('approved');
    });
    it('pruneExpired deletes codes expired before `before`', async () => {
      const gone = deviceCode({ createdAt: at(-10), expiresAt: at(-1) });
      const kept = deviceCode({ expiresAt: at(0) });
      await storage().deviceCodes.create(gone);
      await storage().deviceCodes.create(kept);
      expect(await storage().deviceCodes.pruneExpired(T0)).toBe(1);
      expect(await storage().deviceCodes.findByUserCode(gone.userCode)).toBeUndefined();
      expect(await storage().deviceCodes.findByUserCode(kept.userCode)).toEqual(kept);
    });
  });
}
