/** A page size callers may pass unchecked: NaN → 0, negatives → 0, fractions floored, capped at 2^31−1. */
export function pageLimit(limit: number): number {
  if (Number.isNaN(limit) || limit <= 0) return 0;
  return Math.min(Math.floor(limit), 2 ** 31 - 1);
}
