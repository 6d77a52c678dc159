import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPAQUE_PREFIXES, hashSecret, mintOpaque, opaqueKindOf, safeEqual, type OpaqueKind } from '../src/index.js';

const kinds = Object.keys(OPAQUE_PREFIXES) as OpaqueKind[];

describe('opaque credentials', () => {
  it('mints 256 random bits behind the documented prefix (RFC 6749 §10.10: ≥ 128 bits)', () => {
    for (const kind of kinds) {
      const { value } = mintOpaque(kind);
      expect(value.startsWith(OPAQUE_PREFIXES[kind])).toBe(true);
      expect(Buffer.from(value.slice(4), 'base64url')).toHaveLength(32);
      expect(value).toMatch(/^t[a-z]{2}_[A-Za-z0-9_-]{43}$/);
    }
  });

  it('never mints the same value twice, across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(mintOpaque('access_token').value);
    expect(seen.size).toBe(1000);
  });

  it('returns base64url SHA-256 of the value as the only storable form', () => {
    const { value, hash } = mintOpaque('refresh_token');
    expect(hash).toBe(createHash('sha256').update(value).digest('base64url'));
    expect(hash).toBe(hashSecret(value));
    expect(hash).not.toContain(value.slice(4));
  });

  it('tells the kind from the prefix, and refuses anything not shaped like ours', () => {
    for (const kind of kinds) expect(opaqueKindOf(mintOpaque(kind).value)).toBe(kind);
    const good = mintOpaque('access_token').value;
    for (const bad of ['', 'tat_', good + 'A', good.slice(0, -1), 'txx_' + good.slice(4), good.replace(/.$/, '+'), 'eyJhbGciOi.x.y']) {
      expect(opaqueKindOf(bad)).toBeUndefined();
    }
  });

  it('compares secrets in constant time and exactly', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(safeEqual(a, b)).toBe(a === b);
        expect(safeEqual(a, a)).toBe(true);
      }),
    );
    expect(safeEqual('tcs_abc', 'tcs_abd')).toBe(false);
    expect(safeEqual('tcs_abc', 'tcs_abc ')).toBe(false);
  });
});
