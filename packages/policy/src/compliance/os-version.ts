/**
 * Operating-system versions as UEMs report them: dotted numbers, "17.4", "14.2.1", "13",
 * "10.0.22631" (Windows major.minor.build), "10.0.19045.3803" (with the update revision), and Apple's
 * Rapid Security Response suffix "16.5.1 (c)". Not semver: there is no pre-release part and any
 * number of components from 1 to 4 is allowed; missing components count as 0 ("17" = "17.0.0").
 */
export type OsVersion = readonly number[];

// Anchored, bounded pattern: no backtracking blow-up on hostile input, at most 4 components of at
// most 9 digits each (safe integers), an optional Apple RSR letter suffix which we accept and ignore
// for ordering (an RSR patches the same base release, so "16.5.1 (c)" ≥ "16.5.1").
const VERSION = /^(\d{1,9})(?:\.(\d{1,9})){0,3}(?: \([a-z]\))?$/;

/** Parses a reported OS version; returns `undefined` for anything that is not a dotted version. */
export function parseOsVersion(text: string): OsVersion | undefined {
  if (typeof text !== 'string') return undefined;
  const trimmed = text.trim();
  if (!VERSION.test(trimmed)) return undefined;
  const numeric = trimmed.replace(/ \([a-z]\)$/, '');
  return numeric.split('.').map((part) => Number.parseInt(part, 10));
}

/** Compares two versions component by component; a missing component is 0. Returns -1, 0 or 1. */
export function compareOsVersions(a: OsVersion, b: OsVersion): -1 | 0 | 1 {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
