import type { ClientRecord } from '@tessera/store';
import { importPublicJwk, isSigningAlg, type SigningAlg, type VerificationKey } from '@tessera/token';

/** A registered client key, pinned to one algorithm (RFC 8725 §3.1). `jwkKid` is the JWK's own `kid`. */
export interface ClientKey extends VerificationKey {
  jwkKid: string | undefined;
}

/** At most this many keys per client: enough for rotation, and bounds the work per assertion. */
export const MAX_CLIENT_KEYS = 10;

/**
 * The one algorithm a JWK may be used with: its own `alg` when it has one (only algorithms
 * @tessera/token verifies), otherwise inferred from `kty`/`crv` — an RSA key without `alg` means RS256,
 * the only RSA algorithm we accept.
 */
export function jwkAlgorithm(jwk: Record<string, unknown>): SigningAlg | undefined {
  if (jwk.alg !== undefined) return isSigningAlg(jwk.alg) ? jwk.alg : undefined;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'RSA') return 'RS256';
  return undefined;
}

/** Why a client JWKS cannot be registered, one line per problem; empty when it is fine. */
export function clientJwksProblems(jwks: unknown): string[] {
  if (jwks === null || typeof jwks !== 'object' || !Array.isArray((jwks as { keys?: unknown }).keys)) {
    return ['must be a JWK Set: {"keys": [...]} (RFC 7517 §5)'];
  }
  const keys = (jwks as { keys: unknown[] }).keys;
  if (keys.length === 0) return ['must contain at least one key'];
  if (keys.length > MAX_CLIENT_KEYS) return [`must contain at most ${MAX_CLIENT_KEYS} keys`];
  const problems: string[] = [];
  const kids = new Set<string>();
  const kidlessAlgs = new Set<SigningAlg>();
  const algCounts = new Map<SigningAlg, number>();
  keys.forEach((jwk, i) => {
    if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) return problems.push(`keys[${i}]: must be a JWK object`);
    const record = jwk as Record<string, unknown>;
    const alg = jwkAlgorithm(record);
    if (alg === undefined) return problems.push(`keys[${i}]: unsupported key or "alg" (supported: EdDSA/Ed25519, ES256/P-256, RS256)`);
    try {
      importPublicJwk(record, alg);
    } catch (error) {
      return problems.push(`keys[${i}]: ${(error as Error).message}`);
    }
    algCounts.set(alg, (algCounts.get(alg) ?? 0) + 1);
    if (record.kid === undefined) kidlessAlgs.add(alg);
    else if (typeof record.kid !== 'string' || record.kid === '') problems.push(`keys[${i}]: "kid" must be a non-empty string`);
    else if (kids.has(record.kid)) problems.push(`keys[${i}]: duplicate "kid" "${record.kid}"`);
    else kids.add(record.kid);
    return undefined;
  });
  // Without a kid, an assertion's key is found by its alg alone, which must then be unambiguous.
  for (const alg of kidlessAlgs) {
    if ((algCounts.get(alg) ?? 0) > 1) problems.push(`several ${alg} keys: each needs a distinct "kid"`);
  }
  return problems;
}

const imported = new WeakMap<ClientRecord, readonly ClientKey[]>();

/**
 * The client's usable keys, imported once per cached record (the record object is replaced when it is
 * reloaded, so a re-registered JWKS is picked up). Keys that cannot be used are skipped; registration
 * refuses them anyway ({@link clientJwksProblems}).
 */
export function clientKeys(client: ClientRecord): readonly ClientKey[] {
  let keys = imported.get(client);
  if (keys !== undefined) return keys;
  const list: ClientKey[] = [];
  for (const [i, jwk] of (client.jwks?.keys ?? []).slice(0, MAX_CLIENT_KEYS).entries()) {
    const alg = jwkAlgorithm(jwk);
    if (alg === undefined) continue;
    try {
      const jwkKid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
      list.push({ kid: jwkKid ?? `#${i}`, jwkKid, alg, key: importPublicJwk(jwk, alg) });
    } catch {
      continue;
    }
  }
  keys = Object.freeze(list);
  imported.set(client, keys);
  return keys;
}

/**
 * The key for an assertion header (RFC 7515 §4.1.4): the header's `kid` must name a registered key of
 * that `alg`; without a `kid`, the client's only key of that `alg` is used. The header never chooses an
 * algorithm its key is not pinned to.
 */
export function selectKey(keys: readonly ClientKey[], kid: string | undefined, alg: SigningAlg): ClientKey | undefined {
  if (kid !== undefined) return keys.find((k) => k.jwkKid === kid && k.alg === alg);
  const candidates = keys.filter((k) => k.alg === alg);
  return candidates.length === 1 ? candidates[0] : undefined;
}
