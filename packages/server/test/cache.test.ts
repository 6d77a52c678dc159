import { describe, expect, it } from 'vitest';
import { TtlCache } from '../src/cache/ttl-cache.js';
import { frozenClock } from './helpers.js';

function cache(values: Map<string, string>, clock = frozenClock()) {
  let loads = 0;
  const c = new TtlCache<string>({
    load: async (key) => {
      loads++;
      return values.get(key);
    },
    ttlMs: 5000,
    negativeTtlMs: 1000,
    maxEntries: 3,
    now: clock.now,
  });
  return { c, clock, loads: () => loads };
}

describe('client/resource cache', () => {
  it('answers hits synchronously until the TTL passes, then reloads', async () => {
    const values = new Map([['a', 'A']]);
    const { c, clock, loads } = cache(values);
    expect(await c.get('a')).toBe('A');
    expect(c.get('a')).toBe('A');
    values.set('a', 'A2');
    clock.advance(4.9);
    expect(c.get('a')).toBe('A');
    clock.advance(0.2);
    expect(await c.get('a')).toBe('A2');
    expect(loads()).toBe(2);
  });

  it('caches a miss only briefly, so a client created by the CLI is found within a second', async () => {
    const values = new Map<string, string>();
    const { c, clock } = cache(values);
    expect(await c.get('new')).toBeUndefined();
    values.set('new', 'N');
    expect(c.get('new')).toBeUndefined();
    clock.advance(1);
    expect(await c.get('new')).toBe('N');
  });

  it('shares one load among concurrent misses', async () => {
    const { c, loads } = cache(new Map([['a', 'A']]));
    const results = await Promise.all([c.get('a'), c.get('a'), c.get('a')]);
    expect(results).toEqual(['A', 'A', 'A']);
    expect(loads()).toBe(1);
  });

  it('forgets an invalidated key at once', async () => {
    const values = new Map([['a', 'A']]);
    const { c } = cache(values);
    await c.get('a');
    values.set('a', 'B');
    c.invalidate('a');
    expect(await c.get('a')).toBe('B');
  });

  it('stays bounded when flooded with distinct ids', async () => {
    const { c, loads } = cache(new Map());
    for (let i = 0; i < 20; i++) await c.get(`id${i}`);
    // Bounded: whatever is kept, at most maxEntries; a key not kept is simply loaded again.
    await c.get('id19');
    expect(loads()).toBeLessThanOrEqual(21);
    expect((c as unknown as { entries: Map<string, unknown> }).entries.size).toBeLessThanOrEqual(3);
  });

  it('does not cache a failed load', async () => {
    let fail = true;
    const c = new TtlCache<string>({ load: async () => (fail ? Promise.reject(new Error('down')) : 'ok'), ttlMs: 5000, negativeTtlMs: 1000, now: () => 0 });
    await expect(c.get('a')).rejects.toThrow('down');
    fail = false;
    expect(await c.get('a')).toBe('ok');
  });
});
