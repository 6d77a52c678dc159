import type { GrantStore, RevocationStore, TokenRecord, TokenStore } from '@tessera/store';
import { hashSecret } from '@tessera/token';
import type { RefreshTokenValues } from './refresh-token.js';

/**
 * Grant families and their revocation (RFC 6749 §4.1.2 code replay, RFC 9700 §4.14.2 refresh reuse,
 * RFC 7009 §2.1 revoking a refresh token).
 *
 * Stored tokens (refresh tokens, opaque access tokens) carry `grantId` and go with
 * `tokens.revokeByGrant`. JWT access tokens are stored nowhere, so their `jti`s must be found some
 * other way to put them on the revocation list. Decision: one small LEDGER record per grant, written
 * at the first issuance (code or device exchange, which happens once per grant), names the `jti` of
 * the access token issued then and the hash of the family's first refresh token; every later access
 * token of the family has a `jti` derived from the refresh token issued with it
 * ({@link RefreshTokenValues.accessJti}), and refresh tokens link to their successor
 * (`successorHash`) and back to its predecessor (`claims.prev`). Revoking the family lists every `jti`
 * that may still be unexpired: from the refresh token at hand (a reused or revoked one; else the first
 * one, for a replayed code) forwards to the newest, and backwards only as far as an access token issued
 * then could still live (`ttl.accessTokenMax`), so old links — possibly pruned — are never needed.
 * Nothing extra is written on the rotation hot path.
 *
 * The ledger is a `TokenRecord` (kind `access_token`, so `rotate` never applies) under the hash of a
 * string that is no token shape (`tessera:ledger:<grantId>`): no presented value can hit it.
 */
export interface Families {
  /** Record the family's first issuance. Call before the tokens are returned. */
  open(entry: LedgerEntry): Promise<void>;
  /**
   * Revoke the grant, all its stored tokens and every JWT access token it produced. Idempotent.
   * `from`: hash of a refresh token of the family at hand (reuse, revocation), a second entry point.
   */
  revoke(grantId: string, reason: string, from?: string): Promise<void>;
}

export interface LedgerEntry {
  grantId: string;
  clientId: string;
  subject: string;
  /** `jti` of the access token issued at the exchange. */
  accessJti: string;
  /** Hash of the first refresh token, `null` when none was issued. */
  firstRefreshHash: string | null;
  /** When the ledger may be pruned: after every token of the family has expired. */
  expiresAt: Date;
}

/** How many links a walk follows at most: a family refreshed every minute for 90 days stays far below. */
const MAX_CHAIN = 200_000;
/** Seconds added to the longest access-token lifetime when deciding how far back a walk must go (grace, skew). */
const HORIZON_MARGIN = 120;

const ledgerHash = (grantId: string) => hashSecret(`tessera:ledger:${grantId}`);

export function createFamilies(deps: {
  tokens: Pick<TokenStore, 'put' | 'get' | 'revokeByGrant'>;
  grants: Pick<GrantStore, 'revoke'>;
  revocations: Pick<RevocationStore, 'add'>;
  values: Pick<RefreshTokenValues, 'accessJti'>;
  /** Upper bound of any access token lifetime (seconds): how long a revocation entry must live. */
  accessTokenMax: number;
  now: () => number;
  /** Family revocations are security events (replayed codes, reused refresh tokens): logged at warn. */
  log?: { warn(fields: object, message: string): void };
}): Families {
  const { tokens, grants, revocations, values, now } = deps;

  async function jtisOf(grantId: string, from: string | undefined): Promise<{ clientId: string | undefined; jtis: Set<string> }> {
    const jtis = new Set<string>();
    const ledger = await tokens.get(ledgerHash(grantId));
    const entry = ledger?.claims.ledger as { accessJti?: unknown; firstRefreshHash?: unknown } | undefined;
    const first = typeof entry?.firstRefreshHash === 'string' ? entry.firstRefreshHash : null;
    if (typeof entry?.accessJti === 'string') jtis.add(entry.accessJti);
    // The first refresh token's access token is the ledger's; every later one's is derived from its hash.
    const visit = (hash: string) => {
      if (hash !== first) jtis.add(values.accessJti(hash));
    };
    const seen = new Set<string>();
    const member = async (hash: string) => {
      if (seen.has(hash)) return undefined;
      const record: TokenRecord | undefined = await tokens.get(hash);
      if (record === undefined || record.grantId !== grantId) return undefined;
      seen.add(hash);
      visit(hash);
      return record;
    };
    // Forwards from the token at hand (or the first one) to the newest.
    let record = await member(from ?? first ?? '');
    for (let i = 0; record !== undefined && record.successorHash !== null && i < MAX_CHAIN; i++) {
      record = await member(record.successorHash);
    }
    // Backwards from the token at hand, only as far as an access token issued with a refresh token can
    // still be unexpired: older links are not read at all (they may be pruned already).
    if (from !== undefined) {
      const horizon = now() - (deps.accessTokenMax + HORIZON_MARGIN) * 1000;
      let back = await tokens.get(from);
      for (let i = 0; back !== undefined && back.issuedAt.getTime() >= horizon && i < MAX_CHAIN; i++) {
        const prev: unknown = back.claims.prev;
        back = typeof prev === 'string' ? await member(prev) : undefined;
      }
    }
    return { clientId: ledger?.clientId, jtis };
  }

  return {
    async open(entry) {
      const at = new Date(now());
      await tokens.put({
        v: 1,
        hash: ledgerHash(entry.grantId),
        kind: 'access_token',
        jti: `ledger:${entry.grantId}`,
        clientId: entry.clientId,
        subject: entry.subject,
        audience: [],
        scope: [],
        grantId: entry.grantId,
        jkt: null,
        deviceId: null,
        sessionId: null,
        claims: { ledger: { accessJti: entry.accessJti, firstRefreshHash: entry.firstRefreshHash } },
        issuedAt: at,
        expiresAt: entry.expiresAt,
        // Born revoked: it is no token, and no check may ever take it for an active one.
        revokedAt: at,
      });
    },

    async revoke(grantId, reason, from) {
      const at = new Date(now());
      // Stored tokens first: after this no rotation can add a link, so the walk below sees the whole chain.
      await grants.revoke(grantId, at);
      const stored = await tokens.revokeByGrant(grantId, at);
      const found = await jtisOf(grantId, from);
      const expiresAt = new Date(at.getTime() + deps.accessTokenMax * 1000);
      for (const jti of found.jtis) await revocations.add({ jti, clientId: found.clientId ?? '', expiresAt, revokedAt: at, reason });
      deps.log?.warn({ grantId, client: found.clientId, reason, storedTokens: stored, jwts: found.jtis.size }, 'grant family revoked');
    },
  };
}
