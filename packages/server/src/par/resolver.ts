import type { PushedRequestRecord, PushedRequestStore } from '@tessera/store';
import { RawParams } from '../authorize/params.js';
import type { PushedRequestResolver } from '../authorize/validate.js';
import { OAuthError } from '../errors.js';
import { requestUriHash } from './request-uri.js';

/**
 * One answer for every refusal, so a caller cannot tell an unknown reference from another client's,
 * a used one or an expired one (OIDC Core §6.2 / RFC 9101 `invalid_request_uri`); the reason goes to
 * the operator in `detail`.
 */
const refused = (detail: string) =>
  new OAuthError('invalid_request_uri', 400, 'request_uri is unknown, expired or already used', { detail });

function stale(record: PushedRequestRecord, clientId: string, now: number): string | undefined {
  if (record.clientId !== clientId) return 'request_uri was pushed by another client';
  if (record.consumedAt !== null) return 'request_uri was already used';
  if (record.expiresAt.getTime() <= now) return 'request_uri has expired';
  return undefined;
}

/**
 * How /authorize reads pushed requests (RFC 9126 §4): `load` checks a reference without using it up,
 * `consume` uses it up once the request passed every check, with the store's compare-and-set deciding
 * between concurrent requests for the same reference (RFC 9126 §7.3).
 */
export function createPushedRequestResolver(deps: {
  store: Pick<PushedRequestStore, 'get' | 'consume'>;
  /** Epoch ms. */
  now: () => number;
  required: boolean;
}): PushedRequestResolver {
  return {
    required: deps.required,
    async load(clientId, requestUri) {
      const hash = requestUriHash(requestUri);
      if (hash === undefined) throw refused('request_uri is not a reference this server issues');
      const record = await deps.store.get(hash);
      if (record === undefined) throw refused('request_uri is not known (never pushed, or pruned)');
      const reason = stale(record, clientId, deps.now());
      if (reason !== undefined) throw refused(reason);
      return { params: RawParams.fromRecord(record.params), hash };
    },
    async consume(hash) {
      const now = new Date(deps.now());
      const result = await deps.store.consume(hash, now);
      if (result.status === 'not_found') throw refused('request_uri was pruned while in use');
      if (result.status === 'used') throw refused('request_uri was used by a concurrent request');
      if (result.record.expiresAt.getTime() <= now.getTime()) throw refused('request_uri expired while in use');
    },
  };
}
