import { z } from 'zod';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/**
 * Parse `90`, `"90s"`, `"10m"`, `"12h"` or `"30d"` into whole seconds. Returns `undefined` for anything
 * else so the schema can report it.
 */
export function parseDuration(input: number | string): number | undefined {
  if (typeof input === 'number') return Number.isSafeInteger(input) && input >= 0 ? input : undefined;
  const match = /^(\d{1,9})\s*([smhd])?$/.exec(input.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 's') as keyof typeof UNIT_SECONDS;
  return Number(match[1]) * UNIT_SECONDS[unit];
}

/** A zod type for a duration written as seconds or `<n>s|m|h|d`, normalised to seconds. */
export function duration(bounds: { min?: number; max?: number } = {}) {
  const { min = 0, max = 10 * 365 * 86_400 } = bounds;
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const seconds = parseDuration(value);
    if (seconds === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${String(value)}" is not a duration (use seconds or e.g. 90s, 10m, 12h, 30d)` });
      return z.NEVER;
    }
    if (seconds < min || seconds > max) {
      ctx.addIssue({ code: 'custom', message: `duration must be between ${min}s and ${max}s, got ${seconds}s` });
      return z.NEVER;
    }
    return seconds;
  });
}
