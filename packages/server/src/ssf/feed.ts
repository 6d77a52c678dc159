import type { FastifyInstance } from 'fastify';
import type { CutoffStore, RevocationStore } from '@tessera/store';
import { invalidRequest } from '../errors.js';
import type { AuthenticateReceiver } from './auth.js';
import { queryParam, sendJson } from './http.js';
import { SSF_PATHS } from './vocabulary.js';

const MAX_LIMIT = 1000;

/**
 * The catch-up feed for receivers that may have missed SETs (issue 5 §6, docs/device-trust.md):
 * `GET /ssf/feed?since=<ms>&limit=<n>` → every cut-off (device / session / subject: tokens of it issued
 * at or before `at` are revoked) and every revoked JWT `jti` recorded at or after `since`, oldest first,
 * plus `next`, the cursor to pass as `since` next time. Items at exactly the cursor are returned again,
 * so receivers apply them idempotently; nothing is skipped when a page is full (a page of `limit` items
 * all recorded in the same millisecond would repeat itself: use a larger `limit`). Entries live until
 * every token they could affect has expired, so a receiver offline for less than the longest access
 * token lifetime can always catch up completely.
 */
export function registerFeedRoute(
  scope: FastifyInstance,
  deps: { cutoffs: Pick<CutoffStore, 'listSince'>; revocations: Pick<RevocationStore, 'listSince'>; authenticate: AuthenticateReceiver },
): void {
  const { cutoffs, revocations, authenticate } = deps;
  scope.get(SSF_PATHS.feed, async (request, reply) => {
    await authenticate(request);
    const sinceText = queryParam(request.query, 'since') ?? '0';
    const limitText = queryParam(request.query, 'limit') ?? '500';
    if (!/^\d{1,15}$/.test(sinceText)) throw invalidRequest('since must be milliseconds since the epoch');
    if (!/^\d{1,4}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_LIMIT) throw invalidRequest(`limit must be 1..${MAX_LIMIT}`);
    const since = new Date(Number(sinceText));
    const limit = Number(limitText);
    const [cut, revoked] = await Promise.all([cutoffs.listSince(since, limit), revocations.listSince(since, limit)]);
    // A full page may have more behind it: the cursor must not pass its last item.
    const ends: number[] = [];
    if (cut.length === limit) ends.push(cut[cut.length - 1]!.at.getTime());
    if (revoked.length === limit) ends.push(revoked[revoked.length - 1]!.revokedAt.getTime());
    const latest = Math.max(since.getTime(), ...cut.map((c) => c.at.getTime()), ...revoked.map((r) => r.revokedAt.getTime()));
    const next = ends.length > 0 ? Math.min(...ends) : latest;
    return sendJson(reply, 200, {
      cutoffs: cut.map((c) => ({ kind: c.kind, id: c.id, at: Math.floor(c.at.getTime() / 1000), expires_at: Math.floor(c.expiresAt.getTime() / 1000) })),
      revoked: revoked.map((r) => ({ jti: r.jti, revoked_at: Math.floor(r.revokedAt.getTime() / 1000), expires_at: Math.floor(r.expiresAt.getTime() / 1000) })),
      next: String(next),
      more: ends.length > 0,
    });
  });
}
