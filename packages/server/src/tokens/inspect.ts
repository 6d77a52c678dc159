import type { CutoffStore, RevocationStore, TokenStore } from '@tessera/store';
import { hashSecret, verifyJwt, type JwtPayload } from '@tessera/token';
import { isCutOff } from '../cae/cutoff-check.js';
import type { KeySource } from './key-source.js';

/** An access or refresh token that is valid right now, described in one shape for both formats. */
export interface ActiveToken {
  format: 'jwt' | 'opaque';
  kind: 'access_token' | 'refresh_token';
  jti: string;
  clientId: string;
  subject: string;
  audience: string[];
  /** Space-delimited. */
  scope: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
  nbf?: number;
  /** Store key of an opaque token. */
  hash?: string;
  grantId: string | null;
  /** RFC 9449 `cnf.jkt`, when sender-constrained. */
  jkt?: string;
  /** `device_id`, `sid`, `acr`, `auth_time` (seconds) when the token carries them. */
  deviceId?: string;
  sessionId?: string;
  acr?: string;
  authTime?: number;
}

export type FindActiveToken = (value: string) => Promise<ActiveToken | undefined>;

const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const OPAQUE_SHAPE = /^[A-Za-z0-9_-]{16,256}$/;

/**
 * Find a token we issued that is still active: signature/hash known, not expired, not revoked.
 * Anything else (garbage, foreign, expired, revoked) is `undefined`: introspection answers
 * `{"active":false}` (RFC 7662 §2.2) and revocation answers 200 (RFC 7009 §2.2) without telling why.
 */
export function createTokenInspector(deps: {
  issuer: string;
  keys: Pick<KeySource, 'verificationKey'>;
  tokens: Pick<TokenStore, 'get'>;
  revocations: Pick<RevocationStore, 'get'>;
  /** Continuous access evaluation: JWTs of a device/session/subject cut off at or after their `iat` are inactive. */
  cutoffs?: Pick<CutoffStore, 'get'>;
  now: () => number;
}): FindActiveToken {
  const { issuer, keys, tokens, revocations, cutoffs, now } = deps;
  const getKey = (kid: string | undefined, alg: string) => keys.verificationKey(kid, alg);

  async function findJwt(value: string): Promise<ActiveToken | undefined> {
    let payload: JwtPayload;
    try {
      payload = verifyJwt(value, { typ: 'at+jwt', getKey }).payload;
    } catch {
      return undefined;
    }
    const token = describeJwt(payload, issuer, Math.floor(now() / 1000));
    if (token === undefined) return undefined;
    // Both lookups at once: a JWT is inactive if either names it.
    const [revoked, cutOff] = await Promise.all([revocations.get(token.jti), cutoffs === undefined ? false : isCutOff(cutoffs, token)]);
    return revoked === undefined && !cutOff ? token : undefined;
  }

  async function findOpaque(value: string): Promise<ActiveToken | undefined> {
    const hash = hashSecret(value);
    const record = await tokens.get(hash);
    if (record === undefined || record.revokedAt !== null || record.expiresAt.getTime() <= now()) return undefined;
    // A rotated refresh token is spent (its grace-window use is the token endpoint's business only).
    if (record.kind === 'refresh_token' && record.rotatedAt != null) return undefined;
    const token: ActiveToken = {
      format: 'opaque',
      kind: record.kind,
      jti: record.jti,
      clientId: record.clientId,
      subject: record.subject,
      audience: record.audience,
      scope: record.scope.join(' '),
      iat: Math.floor(record.issuedAt.getTime() / 1000),
      exp: Math.floor(record.expiresAt.getTime() / 1000),
      hash,
      grantId: record.grantId,
    };
    if (record.jkt !== null) token.jkt = record.jkt;
    if (record.deviceId !== null) token.deviceId = record.deviceId;
    if (record.sessionId !== null) token.sessionId = record.sessionId;
    if (typeof record.claims.acr === 'string') token.acr = record.claims.acr;
    if (typeof record.claims.auth_time === 'number') token.authTime = record.claims.auth_time;
    return token;
  }

  return function findActiveToken(value) {
    if (JWT_SHAPE.test(value)) return findJwt(value);
    if (OPAQUE_SHAPE.test(value)) return findOpaque(value);
    return Promise.resolve(undefined);
  };
}

/** Check the claims our own access tokens always carry (RFC 9068 §2.2) and that it is current. */
function describeJwt(payload: JwtPayload, issuer: string, nowSeconds: number): ActiveToken | undefined {
  const { iss, sub, aud, exp, iat, nbf, jti, client_id: clientId, scope, cnf, device_id: deviceId, sid, acr, auth_time: authTime } = payload;
  if (iss !== issuer || typeof sub !== 'string' || typeof jti !== 'string' || typeof clientId !== 'string') return undefined;
  if (typeof exp !== 'number' || typeof iat !== 'number' || exp <= nowSeconds) return undefined;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds)) return undefined;
  const audience = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a) => typeof a === 'string') : [];
  if (audience.length === 0) return undefined;
  return {
    format: 'jwt',
    kind: 'access_token',
    jti,
    clientId,
    subject: sub,
    audience,
    scope: typeof scope === 'string' ? scope : '',
    iat,
    exp,
    ...(nbf === undefined ? {} : { nbf }),
    grantId: null,
    ...(isObject(cnf) && typeof cnf.jkt === 'string' ? { jkt: cnf.jkt } : {}),
    ...(typeof deviceId === 'string' ? { deviceId } : {}),
    ...(typeof sid === 'string' ? { sessionId: sid } : {}),
    ...(typeof acr === 'string' ? { acr } : {}),
    ...(typeof authTime === 'number' ? { authTime } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
