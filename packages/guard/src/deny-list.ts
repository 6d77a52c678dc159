import type { AccessTokenClaims } from './result.js';

/** One revocation signal. At least one key; `until` bounds how long it is remembered. */
export interface DenyEntry {
  jti?: string;
  sid?: string;
  sub?: string;
  deviceId?: string;
  /**
   * Forget the entry after this time (seconds since the epoch): set it to the latest `exp` a token of
   * that jti/session/subject/device can have; afterwards such tokens are expired anyway.
   */
  until: number;
  /**
   * For `sid`/`sub`/`deviceId`: deny only tokens issued at or before this time (seconds; default: now),
   * so tokens issued after the event (a new login on a compliant device) are not refused. Tokens
   * without `iat` are always denied.
   */
  issuedBefore?: number;
}

type Kind = 'jti' | 'sid' | 'sub' | 'deviceId';
const MAX_DENY_SECONDS = 366 * 86_400;
interface Stored { until: number; issuedBefore: number }

/**
 * Local revocation awareness (fed by the operator or by SSF/CAEP events, issue 5). Memory is bounded:
 * expired entries are pruned on insert and, past `maxEntries`, the entry that expires soonest is
 * dropped first (the least harmful loss) and the drop is logged.
 */
export class DenyList {
  private readonly maps: Record<Kind, Map<string, Stored>> = {
    jti: new Map(), sid: new Map(), sub: new Map(), deviceId: new Map(),
  };
  private count = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly deviceIdClaim: string,
    private readonly nowSeconds: () => number,
    private readonly log: (event: string, detail: Record<string, unknown>) => void,
  ) {}

  get size(): number {
    return this.count;
  }

  add(entry: DenyEntry): void {
    const now = this.nowSeconds();
    // A value in milliseconds (Date.now()) would pin an entry for ~50,000 years: refuse it loudly.
    if (!Number.isFinite(entry.until) || entry.until > now + MAX_DENY_SECONDS) {
      throw new TypeError('deny: until must be seconds since the epoch, at most a year ahead');
    }
    const kinds = (['jti', 'sid', 'sub', 'deviceId'] as const).filter((k) => entry[k] !== undefined);
    if (kinds.length === 0) throw new TypeError('deny: give at least one of jti, sid, sub, deviceId');
    if (entry.until <= now) return;
    const stored: Stored = { until: entry.until, issuedBefore: entry.issuedBefore ?? now };
    for (const kind of kinds) {
      const key = entry[kind];
      if (typeof key !== 'string' || key === '') throw new TypeError(`deny: ${kind} must be a non-empty string`);
      const map = this.maps[kind];
      const previous = map.get(key);
      if (previous === undefined) this.count++;
      map.set(key, previous === undefined ? stored : {
        until: Math.max(previous.until, stored.until),
        issuedBefore: Math.max(previous.issuedBefore, stored.issuedBefore),
      });
    }
    if (this.count > this.maxEntries) this.prune(now);
  }

  /** The reason a token is denied (for the log), or undefined. `now` (seconds) defaults to the list's clock. */
  check(claims: Readonly<AccessTokenClaims>, now?: number): string | undefined {
    if (this.count === 0) return undefined;
    now ??= this.nowSeconds();
    const iat = typeof claims.iat === 'number' ? claims.iat : Number.POSITIVE_INFINITY;
    if (typeof claims.jti === 'string' && this.hit('jti', claims.jti, now, Number.NEGATIVE_INFINITY)) return 'jti denied';
    if (typeof claims.sid === 'string' && this.hit('sid', claims.sid, now, iat)) return 'session denied';
    if (typeof claims.sub === 'string' && this.hit('sub', claims.sub, now, iat)) return 'subject denied';
    const device = claims[this.deviceIdClaim];
    if (typeof device === 'string' && this.hit('deviceId', device, now, iat)) return 'device denied';
    return undefined;
  }

  private hit(kind: Kind, key: string, now: number, iat: number): boolean {
    const stored = this.maps[kind].get(key);
    if (stored === undefined) return false;
    if (stored.until <= now) {
      this.maps[kind].delete(key);
      this.count--;
      return false;
    }
    // jti entries pass iat = -∞ (always denied); a token without iat (+∞) is denied for every kind.
    return iat === Number.POSITIVE_INFINITY || iat <= stored.issuedBefore;
  }

  private prune(now: number): void {
    for (const map of Object.values(this.maps)) {
      for (const [key, stored] of map) if (stored.until <= now) { map.delete(key); this.count--; }
    }
    while (this.count > this.maxEntries) {
      let victim: { map: Map<string, Stored>; key: string; until: number } | undefined;
      for (const map of Object.values(this.maps)) {
        for (const [key, stored] of map) if (victim === undefined || stored.until < victim.until) victim = { map, key, until: stored.until };
      }
      if (victim === undefined) break;
      victim.map.delete(victim.key);
      this.count--;
      this.log('deny_list_full', { dropped: 'entry expiring soonest', until: victim.until });
    }
  }
}
