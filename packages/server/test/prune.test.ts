import { afterEach, describe, expect, it, vi } from 'vitest';
import { startPruning } from '../src/maintenance/prune.js';
import { T0 } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('background pruning', () => {
  it('prunes rows expired before now on every interval', async () => {
    vi.useFakeTimers();
    const calls: Date[] = [];
    const stop = startPruning({
      storage: { pruneExpired: async (before) => (calls.push(before), { tokens: 1 }) },
      intervalMs: 1000,
      now: () => T0,
      log: { debug: () => undefined, warn: () => undefined },
    });
    await vi.advanceTimersByTimeAsync(3500);
    stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toEqual([new Date(T0), new Date(T0), new Date(T0)]);
  });

  it('logs a failure instead of throwing, and tries again next time', async () => {
    vi.useFakeTimers();
    const warnings: unknown[] = [];
    let attempts = 0;
    const stop = startPruning({
      storage: {
        pruneExpired: async () => {
          attempts++;
          throw new Error('locked');
        },
      },
      intervalMs: 1000,
      now: () => T0,
      log: { debug: () => undefined, warn: (fields: unknown) => void warnings.push(fields) },
    });
    await vi.advanceTimersByTimeAsync(2500);
    stop();
    expect(attempts).toBe(2);
    expect(warnings).toHaveLength(2);
  });
});
