import { beforeAll, describe, expect, it } from 'vitest';
import { createGuard, type Guard } from '../src/index.js';
import { accessClaims, AUDIENCE, FakeAs, forge, header, ISSUER, makeKey, NOW, NOW_S, bearer, refusalOf, signToken, type TestKey } from './helpers.js';

/**
 * The forged/broken token table of issue 4 (RFC 8725, RFC 9068 §4, RFC 7515, RFC 6750 §3.1): every row
 * must be refused with the exact status and RFC error code, and the operator-only reason must name the
 * precise cause.
 */
let es: TestKey;
let ed: TestKey;
let rs: TestKey;
let stranger: TestKey;
let as: FakeAs;
let guard: Guard;

beforeAll(async () => {
  es = await makeKey('k1', 'ES256');
  ed = await makeKey('k2', 'EdDSA');
  rs = await makeKey('k3', 'RS256');
  stranger = await makeKey('k1', 'ES256'); // same kid, key not published
  as = new FakeAs([es, ed, rs]);
  guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256', 'EdDSA', 'RS256'], fetch: as.fetch, now: () => NOW });
  await guard.ready();
});

const refusal = (token: string) => refusalOf(guard, bearer(token));

const claims = (extra: Record<string, unknown> = {}) => JSON.stringify(accessClaims(extra));
const esSign = { get key() { return es.privateKey; }, alg: 'ES256' as const };

interface Row { name: string; token: () => string | Promise<string>; reason: RegExp; status?: number; code?: string }

const rows: Row[] = [
  { name: 'alg "none" (RFC 8725 §3.1)', token: () => forge(header({ alg: 'none' }), claims()), reason: /alg_not_allowed|malformed/ },
  { name: 'alg "None"', token: () => forge(header({ alg: 'None' }), claims()), reason: /alg_not_allowed|malformed/ },
  { name: 'alg "NONE"', token: () => forge(header({ alg: 'NONE' }), claims()), reason: /alg_not_allowed|malformed/ },
  { name: 'alg "none" with a signature segment', token: () => `${forge(header({ alg: 'none' }), claims())}AAAA`, reason: /alg_not_allowed/ },
  { name: 'HS256 signed with the RSA public key bytes (algorithm confusion, RFC 8725 §2.1)',
    token: () => forge(header({ alg: 'HS256', kid: 'k3' }), claims(), { key: rs.publicKey, alg: 'HS256', secret: Buffer.from(rs.publicKey.export({ type: 'spki', format: 'pem' })) }),
    reason: /alg_not_allowed/ },
  { name: 'RS256 header on the ES256 key\'s kid (each key has one alg, C-30)',
    token: () => forge(header({ alg: 'RS256', kid: 'k1' }), claims(), { key: rs.privateKey, alg: 'RS256' }), reason: /alg_not_allowed/ },
  { name: 'typ "JWT" (RFC 9068 §4: MUST reject other typ)', token: () => signToken(es, accessClaims(), { typ: 'JWT' }), reason: /wrong_typ/ },
  { name: 'an ID token (typ JWT, nonce, aud = client) used as access token (RFC 8725 §3.12)',
    token: () => signToken(es, { iss: ISSUER, sub: 'user-1', aud: 'client-1', nonce: 'n', iat: NOW_S, exp: NOW_S + 300 }, { typ: 'JWT' }), reason: /wrong_typ/ },
  { name: 'no typ', token: () => forge(JSON.stringify({ alg: 'ES256', kid: 'k1' }), claims(), esSign), reason: /wrong_typ/ },
  { name: 'typ dpop+jwt', token: () => signToken(es, accessClaims(), { typ: 'dpop+jwt' }), reason: /wrong_typ/ },
  { name: 'expired (RFC 7519 §4.1.4)', token: () => signToken(es, accessClaims({ exp: NOW_S - 11 })), reason: /expired/ },
  { name: 'not yet valid: nbf in the future beyond the skew (RFC 7519 §4.1.5)', token: () => signToken(es, accessClaims({ nbf: NOW_S + 60 })), reason: /not_yet_valid/ },
  { name: 'iat in the future beyond the skew', token: () => signToken(es, accessClaims({ iat: NOW_S + 60 })), reason: /issued_in_future/ },
  { name: 'wrong iss (RFC 8725 §3.8)', token: () => signToken(es, accessClaims({ iss: 'https://evil.example.com' })), reason: /wrong_issuer/ },
  { name: 'iss differing by a trailing slash (exact match)', token: () => signToken(es, accessClaims({ iss: `${ISSUER}/` })), reason: /wrong_issuer/ },
  { name: 'wrong aud (RFC 8725 §3.9)', token: () => signToken(es, accessClaims({ aud: 'https://other.example.com' })), reason: /wrong_audience/ },
  { name: 'aud array without this API', token: () => signToken(es, accessClaims({ aud: ['https://a.example', 'https://b.example'] })), reason: /wrong_audience/ },
  { name: 'unknown kid (after one refetch)', token: () => signToken({ ...es, kid: 'nope' }), reason: /unknown_kid/ },
  { name: 'jku header (RFC 8725 §3.10)', token: () => forge(header({ jku: 'https://evil.example/jwks' }), claims(), esSign), reason: /forbidden_header/ },
  { name: 'x5u header', token: () => forge(header({ x5u: 'https://evil.example/cert' }), claims(), esSign), reason: /forbidden_header/ },
  { name: 'embedded jwk header signed by that key', token: () => forge(header({ jwk: stranger.jwk }), claims(), { key: stranger.privateKey, alg: 'ES256' }), reason: /forbidden_header/ },
  { name: 'x5c header', token: () => forge(header({ x5c: ['MIIB'] }), claims(), esSign), reason: /forbidden_header/ },
  { name: 'crit header (RFC 7515 §4.1.11)', token: () => forge(header({ crit: ['exp'], exp: 1 }), claims(), esSign), reason: /crit_unsupported/ },
  { name: 'bad base64url in the payload', token: async () => { const [h, , s] = (await signToken(es)).split('.'); return `${h}.eyJ*.${s}`; }, reason: /malformed/, status: 400, code: 'invalid_request' },
  { name: 'standard base64 (+/) in a segment', token: async () => { const [h, p, s] = (await signToken(es)).split('.'); return `${h}.${p}+/.${s}`; }, reason: /malformed/ },
  { name: 'two segments', token: async () => (await signToken(es)).split('.').slice(0, 2).join('.'), reason: /malformed/ },
  { name: 'four segments', token: async () => `${await signToken(es)}.AAAA`, reason: /malformed/ },
  { name: 'five segments (JWE shape)', token: async () => `${await signToken(es)}.AAAA.AAAA`, reason: /malformed/ },
  { name: 'huge token (over maxTokenLength, refused before parsing)', token: () => signToken(es, accessClaims({ pad: 'x'.repeat(9000) })), reason: /longer than/ },
  { name: 'signature of another key under the same kid', token: () => signToken(stranger), reason: /bad_signature/ },
  { name: 'ES256 signature in DER instead of R||S (RFC 7518 §3.4)', token: () => forge(header(), claims(), { key: es.privateKey, alg: 'ES256', der: true }), reason: /bad_signature/ },
  { name: 'ES256 signature with R = S = 0 (CVE-2022-21449)', token: () => `${forge(header(), claims())}${Buffer.alloc(64).toString('base64url')}`, reason: /bad_signature/ },
  { name: 'empty signature', token: () => forge(header(), claims()), reason: /malformed|bad_signature/ },
  { name: 'payload is a JSON array, not an object', token: () => forge(header(), '[1,2]', esSign), reason: /malformed/ },
  { name: 'payload is a JSON string', token: () => forge(header(), '"hi"', esSign), reason: /malformed/ },
  { name: 'payload is not JSON', token: () => forge(header(), 'not json', esSign), reason: /malformed/ },
  { name: 'duplicate claim names (RFC 7519 §4, C-44)', token: () => forge(header(), `${claims().slice(0, -1)},"sub":"admin"}`, esSign), reason: /duplicate_member/ },
  { name: 'duplicate header members', token: () => forge('{"alg":"ES256","kid":"k1","typ":"at+jwt","typ":"at+jwt"}', claims(), esSign), reason: /duplicate_member/ },
  { name: 'invalid UTF-8 in the payload (RFC 8725 §3.7)', token: () => { const p = Buffer.concat([Buffer.from('{"sub":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]); return forge(header(), p, esSign); }, reason: /invalid_utf8|malformed/ },
  { name: 'missing exp (RFC 9068 §2.2)', token: () => signToken(es, accessClaims({ exp: undefined })), reason: /missing_claim \(exp\)/ },
  { name: 'missing client_id (RFC 9068 §2.2)', token: () => signToken(es, accessClaims({ client_id: undefined })), reason: /missing_claim \(client_id\)/ },
  { name: 'missing jti (RFC 9068 §2.2)', token: () => signToken(es, accessClaims({ jti: undefined })), reason: /missing_claim \(jti\)/ },
  { name: 'exp as a string', token: () => signToken(es, accessClaims({ exp: String(NOW_S + 300) })), reason: /invalid_claim \(exp\)/ },
  { name: 'DPoP-bound token (cnf.jkt) presented as Bearer (RFC 9449 §7.1, C-64)', token: () => signToken(es, accessClaims({ cnf: { jkt: 'abc' } })), reason: /DPoP-bound/ },
  { name: 'header not JSON', token: () => forge('{alg:ES256', claims(), esSign), reason: /malformed/ },
];

describe('forged and broken JWT access tokens are refused (RFC 8725, RFC 9068 §4)', () => {
  it('has at least 30 rows', () => expect(rows.length).toBeGreaterThanOrEqual(30));

  for (const row of rows) {
    it(`refuses ${row.name}`, async () => {
      const token = await row.token();
      const error = await refusal(token);
      // b64token syntax (RFC 6750 §2.1) is checked on the header first: a '*' makes the request malformed.
      if (row.code === 'invalid_request') {
        expect([error.status, error.code]).toEqual([400, 'invalid_request']);
        return;
      }
      expect([error.status, error.code]).toEqual([row.status ?? 401, row.code ?? 'invalid_token']);
      expect(error.reason).toMatch(row.reason);
      expect(error.challenge('api')).toBe('Bearer realm="api", error="invalid_token", error_description="The access token is invalid"');
    });
  }

  it('refuses an RS256 token when RS256 is not in the allow-list (C-32)', async () => {
    const strict = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: () => NOW });
    const token = await signToken(rs);
    await expect(strict.verifyToken(token)).rejects.toMatchObject({ status: 401, code: 'invalid_token' });
  });

  it('accepts the valid tokens these forgeries are built from (the table cannot pass vacuously)', async () => {
    for (const key of [es, ed, rs]) {
      const result = await guard.check({ headers: { authorization: `Bearer ${await signToken(key)}` } });
      expect(result).toMatchObject({ source: 'jwt', subject: 'user-1', clientId: 'client-1' });
    }
    expect((await guard.verifyToken(forge(header(), claims(), esSign))).subject).toBe('user-1');
  });
});
