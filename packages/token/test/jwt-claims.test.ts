import { describe, expect, it } from 'vitest';
import { TokenError, createJwtSigner, decodeJwtUnverified, validateClaims, type JwtPayload, type ValidateClaimsOptions } from '../src/index.js';
import { NOW, b64, claims, keyFor } from './helpers.js';

const RFC9068_REQUIRED = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];
const base: ValidateClaimsOptions = {
  issuer: 'https://as.example',
  audience: 'https://api.example',
  now: NOW,
  clockTolerance: 5,
  required: RFC9068_REQUIRED,
};

function outcome(payload: JwtPayload, options: Partial<ValidateClaimsOptions> = {}): string {
  try {
    validateClaims(payload, { ...base, ...options });
    return 'valid';
  } catch (error) {
    return error instanceof TokenError ? `${error.code}:${error.claim}` : String(error);
  }
}

describe('validateClaims (RFC 7519 §4.1, RFC 8725 §3.8–3.9, RFC 9068 §4)', () => {
  it('accepts a well-formed access token at the frozen clock', () => {
    expect(outcome(claims())).toBe('valid');
    expect(outcome(claims({ aud: ['https://other.example', 'https://api.example'] }))).toBe('valid');
    expect(outcome(claims(), { audience: ['https://x.example', 'https://api.example'] })).toBe('valid');
  });

  it.each([
    ['refuses a token at its exp instant (now must be before exp)', { exp: NOW - 5 }, 'expired:exp'],
    ['refuses an expired token beyond the tolerance', { exp: NOW - 60 }, 'expired:exp'],
    ['accepts exp within the tolerance', { exp: NOW - 4 }, 'valid'],
    ['refuses a token not valid yet (nbf)', { nbf: NOW + 6 }, 'not_yet_valid:nbf'],
    ['accepts nbf within the tolerance', { nbf: NOW + 5 }, 'valid'],
    ['refuses iat in the future', { iat: NOW + 6 }, 'issued_in_future:iat'],
    ['refuses another issuer (exact match)', { iss: 'https://as.example/' }, 'wrong_issuer:iss'],
    ['refuses another audience', { aud: 'https://other.example' }, 'wrong_audience:aud'],
    ['refuses an audience array without ours', { aud: ['https://a.example', 'https://b.example'] }, 'wrong_audience:aud'],
    ['refuses an empty audience array', { aud: [] }, 'wrong_audience:aud'],
    ['refuses exp as a string', { exp: String(NOW + 60) }, 'invalid_claim:exp'],
    ['refuses nbf as NaN-like null', { nbf: null }, 'invalid_claim:nbf'],
    ['refuses sub as a number', { sub: 42 }, 'invalid_claim:sub'],
    ['refuses aud with a non-string member', { aud: ['https://api.example', 7] }, 'invalid_claim:aud'],
    ['refuses scope as an array', { scope: ['read'] }, 'invalid_claim:scope'],
    ['refuses a missing exp', { exp: undefined }, 'missing_claim:exp'],
    ['refuses a missing client_id (RFC 9068 §2.2)', { client_id: undefined }, 'missing_claim:client_id'],
    ['refuses a missing jti', { jti: undefined }, 'missing_claim:jti'],
    ['refuses an empty sub (RFC 9068 §2.2: sub identifies the principal)', { sub: '' }, 'invalid_claim:sub'],
    ['refuses an empty client_id', { client_id: '' }, 'invalid_claim:client_id'],
    ['refuses an empty jti', { jti: '' }, 'invalid_claim:jti'],
    ['refuses an empty iss', { iss: '' }, 'invalid_claim:iss'],
    ['refuses an empty sid', { sid: '' }, 'invalid_claim:sid'],
  ] as const)('%s', (_name, extra, expected) => {
    expect(outcome(claims(extra as Record<string, unknown>))).toBe(expected);
  });

  it('refuses tokens older than maxAge, and requires iat for maxAge', () => {
    expect(outcome(claims({ iat: NOW - 100 }), { maxAge: 60 })).toBe('too_old:iat');
    expect(outcome(claims({ iat: NOW - 60 }), { maxAge: 60 })).toBe('valid');
    expect(outcome(claims({ iat: undefined }), { maxAge: 60, required: [] })).toBe('missing_claim:iat');
  });

  it('lets kinds without exp (DPoP proofs) opt out of the exp requirement only explicitly', () => {
    const proof = { jti: 'x', iat: NOW, htm: 'GET' };
    expect(outcome(proof, { issuer: undefined, audience: undefined, required: [] })).toBe('missing_claim:exp');
    expect(outcome(proof, { issuer: undefined, audience: undefined, required: [], requireExp: false })).toBe('valid');
  });
});

describe('decodeJwtUnverified', () => {
  it('decodes header and payload without a key, for tessera token decode', async () => {
    const token = createJwtSigner(await keyFor('EdDSA')).sign(claims(), 'at+jwt');
    const decoded = decodeJwtUnverified(token);
    expect(decoded.header.typ).toBe('at+jwt');
    expect(decoded.payload).toEqual(claims());
    expect(decoded.signatureBytes).toBe(64);
  });

  it('still refuses syntax errors', () => {
    expect(() => decodeJwtUnverified('a.b')).toThrow(TokenError);
    expect(() => decodeJwtUnverified(`${b64('{}')}.${b64('[1]')}.AA`)).toThrow(/not a JSON object/);
  });
});
