import { describe, expect, it } from 'vitest';
import { ConflictError } from '../src/index.js';
import type { Storage } from '../src/index.js';
import { at, session, T0, user } from './fixtures.js';

/** The users, sessions and login-throttle contracts; part of {@link runStorageConformance}. */
export function accountsConformance(storage: () => Storage): void {
  describe('users', () => {
    it('create then get and findByUsername return the record exactly as given', async () => {
      const u = user({ totp: { secret: 'v1.aXY.Y3Q.dGFn', lastUsedStep: 7, confirmedAt: at(3) }, emailVerified: true });
      await storage().users.create(u);
      expect(await storage().users.get(u.id)).toEqual(u);
      expect(await storage().users.findByUsername(u.username)).toEqual(u);
      expect(await storage().users.get('nope')).toBeUndefined();
      expect(await storage().users.findByUsername('nope')).toBeUndefined();
    });
    it('create rejects a duplicate id or a duplicate username with ConflictError, even when concurrent', async () => {
      const u = user();
      await storage().users.create(u);
      await expect(storage().users.create(user({ id: u.id }))).rejects.toBeInstanceOf(ConflictError);
      await expect(storage().users.create(user({ username: u.username }))).rejects.toBeInstanceOf(ConflictError);
      const results = await Promise.allSettled([1, 2, 3].map(() => storage().users.create(user({ username: 'race' }))));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });
    it('update applies the patch and sets updatedAt in one write; undefined for an unknown user', async () => {
      const u = user();
      await storage().users.create(u);
      const totp = { secret: 's', lastUsedStep: null, confirmedAt: null };
      const after = await storage().users.update(u.id, { status: 'disabled', groups: ['a', 'b'], totp }, at(9));
      const expected = { ...u, status: 'disabled', groups: ['a', 'b'], totp, updatedAt: at(9) };
      expect(after).toEqual(expected);
      expect(await storage().users.get(u.id)).toEqual(expected);
      expect((await storage().users.update(u.id, { totp: null, email: null }, at(10)))?.totp).toBeNull();
      expect(await storage().users.update('nope', { status: 'active' }, at(1))).toBeUndefined();
    });
    it('useTotpStep raises lastUsedStep only past the last one; two concurrent uses of one step: exactly one wins (RFC 6238 §5.2)', async () => {
      const u = user({ totp: { secret: 's', lastUsedStep: null, confirmedAt: null } });
      await storage().users.create(u);
      const won = await Promise.all([storage().users.useTotpStep(u.id, 100, at(1)), storage().users.useTotpStep(u.id, 100, at(1))]);
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await storage().users.useTotpStep(u.id, 99, at(2))).toBe(false);
      expect(await storage().users.useTotpStep(u.id, 101, at(3))).toBe(true);
      expect((await storage().users.get(u.id))?.totp?.lastUsedStep).toBe(101);
      const noTotp = user();
      await storage().users.create(noTotp);
      expect(await storage().users.useTotpStep(noTotp.id, 1, at(1))).toBe(false);
      expect(await storage().users.useTotpStep('nope', 1, at(1))).toBe(false);
    });
    it('list pages through users ordered by username, `after` excluded', async () => {
      for (const name of ['carol', 'alice', 'dave', 'bob']) await storage().users.create(user({ username: name }));
      expect((await storage().users.list({ limit: 3 })).map((u) => u.username)).toEqual(['alice', 'bob', 'carol']);
      expect((await storage().users.list({ limit: 3, after: 'bob' })).map((u) => u.username)).toEqual(['carol', 'dave']);
      expect(await storage().users.list({ limit: 3, after: 'dave' })).toEqual([]);
    });
  });

  describe('sessions', () => {
    it('create then get returns the record; a duplicate idHash is a ConflictError', async () => {
      const s = session({ acr: 'urn:x:mfa' });
      await storage().sessions.create(s);
      expect(await storage().sessions.get(s.idHash)).toEqual(s);
      await expect(storage().sessions.create({ ...s, sid: 'x' })).rejects.toBeInstanceOf(ConflictError);
      expect(await storage().sessions.get('nope')).toBeUndefined();
    });
    it('touch sets lastSeenAt unless the session is revoked or absent', async () => {
      const s = session();
      await storage().sessions.create(s);
      expect(await storage().sessions.touch(s.idHash, at(5))).toBe(true);
      expect((await storage().sessions.get(s.idHash))?.lastSeenAt).toEqual(at(5));
      await storage().sessions.revoke(s.idHash, at(6));
      expect(await storage().sessions.touch(s.idHash, at(7))).toBe(false);
      expect((await storage().sessions.get(s.idHash))?.lastSeenAt).toEqual(at(5));
      expect(await storage().sessions.touch('nope', at(7))).toBe(false);
    });
    it('revoke keeps the first revokedAt; unknown → undefined', async () => {
      const s = session();
      await storage().sessions.create(s);
      expect((await storage().sessions.revoke(s.idHash, at(1)))?.revokedAt).toEqual(at(1));
      expect((await storage().sessions.revoke(s.idHash, at(2)))?.revokedAt).toEqual(at(1));
      expect(await storage().sessions.revoke('nope', at(1))).toBeUndefined();
    });
    it("revokeByUser revokes the user's live sessions and returns exactly those records", async () => {
      const live = [session({ userId: 'u' }), session({ userId: 'u' })];
      const old = session({ userId: 'u', revokedAt: at(1) });
      const other = session({ userId: 'v' });
      for (const s of [...live, old, other]) await storage().sessions.create(s);
      const revoked = await storage().sessions.revokeByUser('u', at(9));
      expect(revoked.map((s) => s.sid).sort()).toEqual(live.map((s) => s.sid).sort());
      for (const s of revoked) expect(s.revokedAt).toEqual(at(9));
      expect((await storage().sessions.get(old.idHash))?.revokedAt).toEqual(at(1));
      expect((await storage().sessions.get(other.idHash))?.revokedAt).toBeNull();
      expect(await storage().sessions.revokeByUser('u', at(10))).toEqual([]);
    });
    it('pruneExpired deletes sessions whose expiresAt is before `before`', async () => {
      const gone = session({ expiresAt: at(-1) });
      const kept = session({ expiresAt: at(0) });
      await storage().sessions.create(gone);
      await storage().sessions.create(kept);
      expect(await storage().sessions.pruneExpired(T0)).toBe(1);
      expect(await storage().sessions.get(gone.idHash)).toBeUndefined();
      expect(await storage().sessions.get(kept.idHash)).toEqual(kept);
    });
    it('OIDC Back-Channel Logout §2.3: addClient remembers the clients signed in per sid, once each, sorted; other sids see none', async () => {
      const s = session();
      await storage().sessions.create(s);
      await storage().sessions.addClient(s.sid, 'c_web', at(1));
      await storage().sessions.addClient(s.sid, 'c_app', at(2));
      await Promise.all([storage().sessions.addClient(s.sid, 'c_web', at(3)), storage().sessions.addClient(s.sid, 'c_web', at(3))]);
      expect(await storage().sessions.clientsOf(s.sid)).toEqual(['c_app', 'c_web']);
      expect(await storage().sessions.clientsOf('other-sid')).toEqual([]);
    });
    it('pruneExpired forgets the clients of a sid once no session row holds it, and keeps those of a sid a live row still holds', async () => {
      const gone = session({ expiresAt: at(-1) });
      const replaced = session({ expiresAt: at(-1) });
      const successor = session({ sid: replaced.sid, expiresAt: at(60_000) });
      for (const s of [gone, replaced, successor]) await storage().sessions.create(s);
      await storage().sessions.addClient(gone.sid, 'c_web', at(-2));
      await storage().sessions.addClient(replaced.sid, 'c_app', at(-2));
      expect(await storage().sessions.pruneExpired(T0)).toBe(2);
      expect(await storage().sessions.clientsOf(gone.sid)).toEqual([]);
      expect(await storage().sessions.clientsOf(replaced.sid)).toEqual(['c_app']);
    });
  });

  describe('login throttle', () => {
    it('increment counts from 1 with a sliding expiry; an expired counter restarts at 1', async () => {
      const t = storage().loginThrottle;
      expect(await t.increment('ip:x', at(0), 60)).toEqual({ count: 1, lastAt: at(0), expiresAt: at(60_000) });
      expect(await t.increment('ip:x', at(10_000), 60)).toEqual({ count: 2, lastAt: at(10_000), expiresAt: at(70_000) });
      expect(await t.get('ip:x', at(69_999))).toEqual({ count: 2, lastAt: at(10_000), expiresAt: at(70_000) });
      expect(await t.get('ip:x', at(70_000))).toBeUndefined();
      expect(await t.increment('ip:x', at(70_000), 60)).toEqual({ count: 1, lastAt: at(70_000), expiresAt: at(130_000) });
    });
    it('concurrent increments all count', async () => {
      const t = storage().loginThrottle;
      const results = await Promise.all(Array.from({ length: 8 }, () => t.increment('acct:race', at(0), 60)));
      expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect((await t.get('acct:race', at(1)))?.count).toBe(8);
    });
    it('delete removes the counter; pruneExpired deletes counters expired before `before`', async () => {
      const t = storage().loginThrottle;
      await t.increment('a', at(0), 1);
      await t.increment('b', at(0), 100);
      await t.delete('a');
      await t.delete('never-existed');
      expect(await t.get('a', at(0))).toBeUndefined();
      await t.increment('c', at(0), 1);
      expect(await t.pruneExpired(at(50_000))).toBe(1);
      expect((await t.get('b', at(0)))?.count).toBe(1);
    });
  });
}
