import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGuard } from '../src/index.js';
import { toResult } from '../src/result.js';
import { accessClaims, AUDIENCE, FakeAs, ISSUER, makeKey, NOW, signToken } from './helpers.js';

/** What `scopes` meant when it was an eagerly built Set: the space-separated items, empty ones dropped. */
const reference = (scope: string) => new Set(scope.split(' ').filter((s) => s !== ''));

describe('result scopes: the scope claim\'s space-separated items (RFC 6749 §3.3, RFC 9068 §2.2.3)', () => {
  const item = fc.string({ unit: fc.constantFrom('a', 'b', ':', ' ', '\t'), maxLength: 4 });
  const scopeClaim = fc.array(item, { maxLength: 6 }).map((items) => items.join(' '));

  it('answers has() exactly as a Set of the items would, for items, prefixes, substrings and spaced values', () => {
    fc.assert(fc.property(scopeClaim, item, (scope, probe) => {
      const scopes = toResult('jwt', { scope }).scopes;
      const expected = reference(scope);
      expect(scopes.has(probe)).toBe(expected.has(probe));
      for (const value of expected) expect(scopes.has(value)).toBe(true);
      // Any piece of the claim string: a prefix or substring of an item is not an item.
      for (let i = 0; i < scope.length; i++) for (let j = i; j <= scope.length; j++) {
        expect(scopes.has(scope.slice(i, j))).toBe(expected.has(scope.slice(i, j)));
      }
    }), { numRuns: 500 });
  });

  it('enumerates like that Set: size, order, iteration, entries, forEach', () => {
    fc.assert(fc.property(scopeClaim, (scope) => {
      const scopes = toResult('jwt', { scope }).scopes;
      const expected = reference(scope);
      expect(scopes.size).toBe(expected.size);
      expect([...scopes]).toEqual([...expected]);
      expect([...scopes.keys()]).toEqual([...expected.keys()]);
      expect([...scopes.values()]).toEqual([...expected.values()]);
      expect([...scopes.entries()]).toEqual([...expected.entries()]);
      const seen: [string, string, unknown][] = [];
      scopes.forEach((value, key, set) => seen.push([value, key, set]));
      expect(seen).toEqual([...expected].map((value) => [value, value, scopes]));
    }), { numRuns: 300 });
  });

  it('has no scopes without a string scope claim, and refuses non-string probes', () => {
    for (const claims of [{}, { scope: 42 }, { scope: ['a'] }, { scope: '' }, { scope: '   ' }]) {
      const scopes = toResult('introspection', claims as never).scopes;
      expect([scopes.size, scopes.has('a'), scopes.has('')]).toEqual([0, false, false]);
    }
    expect(toResult('jwt', { scope: 'a 1' }).scopes.has(1 as unknown as string)).toBe(false);
  });

  it('keeps the scopes the token was verified with when the claims object is changed afterwards', () => {
    const claims = { scope: 'read' };
    const scopes = toResult('jwt', claims).scopes;
    claims.scope = 'read admin';
    expect([scopes.has('admin'), scopes.has('read'), [...scopes]]).toEqual([false, true, ['read']]);
  });

  it('spreads and serialises like the plain result it was: scopes is an own property', () => {
    const result = toResult('jwt', { scope: 'a b', sub: 'u' });
    expect(Object.keys(result)).toContain('scopes');
    expect([...{ ...result }.scopes]).toEqual(['a', 'b']);
    // Nothing of its own to serialise, like the Set it stands for.
    expect(JSON.stringify(result.scopes)).toBe(JSON.stringify(new Set(['a', 'b'])));
  });
});

describe('one clock reading per check', () => {
  it('reads the injected clock once for a synchronous JWT check (exp, keys freshness, requirements)', async () => {
    const key = await makeKey('k1', 'ES256');
    let reads = 0;
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: new FakeAs([key]).fetch, now: () => (reads++, NOW), jwtCache: false });
    await guard.ready();
    const requirements = guard.prepare({ scopes: ['reports:read'], maxAge: 600 });
    const token = await signToken(key, accessClaims({ auth_time: NOW / 1000 - 60 }));
    reads = 0;
    const result = guard.checkToken(token, requirements);
    expect(result).not.toBeInstanceOf(Promise);
    expect(reads).toBe(1);
  });
});
