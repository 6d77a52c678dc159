import { describe, expect, it } from 'vitest';
import { ConflictError } from '../src/index.js';
import type { Storage } from '../src/index.js';
import { at, token } from './fixtures.js';

const refresh = (overrides: Parameters<typeof token>[0] = {}) => token({ kind: 'refresh_token', grantId: 'fam', ...overrides });

/** Refresh rotation and the bulk revocations of `tokens`; part of {@link runStorageConformance}. */
export function rotationConformance(storage: () => Storage): void {
  describe('tokens: refresh rotation (RFC 9700 §4.14.2)', () => {
    it('put without rotation fields stores them as null (a new token is unrotated)', async () => {
      const { rotatedAt: _r, successorHash: _s, ...bare } = refresh();
      await storage().tokens.put(bare);
      expect(await storage().tokens.get(bare.hash)).toEqual({ ...bare, rotatedAt: null, successorHash: null });
    });
    it('rotate stores the successor and marks the old token rotated, pointing at it', async () => {
      const old = refresh();
      const next = refresh({ issuedAt: at(10) });
      await storage().tokens.put(old);
      const result = await storage().tokens.rotate(old.hash, next, at(10));
      const rotated = { ...old, rotatedAt: at(10), successorHash: next.hash };
      expect(result).toEqual({ status: 'rotated', record: rotated });
      expect(await storage().tokens.get(old.hash)).toEqual(rotated);
      expect(await storage().tokens.get(next.hash)).toEqual(next);
    });
    it('rotating a rotated token writes nothing and answers already_rotated with its successor hash', async () => {
      const old = refresh();
      const first = refresh();
      await storage().tokens.put(old);
      await storage().tokens.rotate(old.hash, first, at(10));
      const second = refresh();
      const again = await storage().tokens.rotate(old.hash, second, at(20));
      expect(again).toEqual({ status: 'already_rotated', record: { ...old, rotatedAt: at(10), successorHash: first.hash } });
      expect(await storage().tokens.get(second.hash)).toBeUndefined();
    });
    it('two concurrent rotations of one token: exactly one rotated, one successor stored', async () => {
      const old = refresh();
      await storage().tokens.put(old);
      const successors = [refresh(), refresh(), refresh()];
      const results = await Promise.all(successors.map((s) => storage().tokens.rotate(old.hash, s, at(5))));
      expect(results.filter((r) => r.status === 'rotated')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'already_rotated')).toHaveLength(2);
      const stored = await Promise.all(successors.map((s) => storage().tokens.get(s.hash)));
      expect(stored.filter(Boolean)).toHaveLength(1);
      expect((await storage().tokens.get(old.hash))?.successorHash).toBe(stored.find(Boolean)?.hash);
    });
    it('a revoked token is not rotated (revoked), even if it was rotated before', async () => {
      const old = refresh({ revokedAt: at(1) });
      await storage().tokens.put(old);
      const next = refresh();
      expect(await storage().tokens.rotate(old.hash, next, at(2))).toEqual({ status: 'revoked', record: old });
      expect(await storage().tokens.get(next.hash)).toBeUndefined();
      const rotated = refresh();
      await storage().tokens.put(rotated);
      await storage().tokens.rotate(rotated.hash, refresh(), at(3));
      await storage().tokens.revokeByGrant('fam', at(4));
      expect((await storage().tokens.rotate(rotated.hash, refresh(), at(5))).status).toBe('revoked');
    });
    it('an expired token is not rotated (expired at expiresAt exactly); an unknown one is not_found', async () => {
      const old = refresh({ expiresAt: at(100) });
      await storage().tokens.put(old);
      const next = refresh();
      expect(await storage().tokens.rotate(old.hash, next, at(100))).toEqual({ status: 'expired', record: old });
      expect(await storage().tokens.get(next.hash)).toBeUndefined();
      expect(await storage().tokens.rotate('unknown', next, at(1))).toEqual({ status: 'not_found' });
    });
    it('a successor whose hash exists rejects with ConflictError and leaves the old token unrotated', async () => {
      const old = refresh();
      const taken = refresh();
      await storage().tokens.put(old);
      await storage().tokens.put(taken);
      await expect(storage().tokens.rotate(old.hash, { ...taken, jti: 'dup' }, at(1))).rejects.toBeInstanceOf(ConflictError);
      expect(await storage().tokens.get(old.hash)).toEqual(old);
      expect(await storage().tokens.get(taken.hash)).toEqual(taken);
      expect((await storage().tokens.rotate(old.hash, refresh(), at(2))).status).toBe('rotated');
    });
    it('revokeByGrant reaches successors too: the whole family ends (reuse detection)', async () => {
      const a = refresh();
      const b = refresh();
      const c = refresh();
      await storage().tokens.put(a);
      await storage().tokens.rotate(a.hash, b, at(1));
      await storage().tokens.rotate(b.hash, c, at(2));
      expect(await storage().tokens.revokeByGrant('fam', at(3))).toBe(3);
      for (const t of [a, b, c]) expect((await storage().tokens.get(t.hash))?.revokedAt).toEqual(at(3));
    });
  });

  describe('tokens: bulk revocation', () => {
    const cases = [
      ['revokeBySubject', 'subject'],
      ['revokeBySession', 'sessionId'],
      ['revokeByDevice', 'deviceId'],
    ] as const;
    for (const [method, field] of cases) {
      it(`${method} revokes only not-yet-revoked tokens with that ${field} and counts them`, async () => {
        const mine = [token({ [field]: 'x' }), token({ [field]: 'x', kind: 'refresh_token' })];
        const already = token({ [field]: 'x', revokedAt: at(1) });
        const other = token({ [field]: 'y' });
        for (const t of [...mine, already, other]) await storage().tokens.put(t);
        expect(await storage().tokens[method]('x', at(50))).toBe(2);
        for (const t of mine) expect((await storage().tokens.get(t.hash))?.revokedAt).toEqual(at(50));
        expect((await storage().tokens.get(already.hash))?.revokedAt).toEqual(at(1));
        expect((await storage().tokens.get(other.hash))?.revokedAt).toBeNull();
        expect(await storage().tokens[method]('x', at(60))).toBe(0);
      });
    }
  });
}
