import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, exportJWK, importJWK, jwtVerify } from 'jose';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SIGNING_ALGS, TokenError, createJwtSigner, verifyJwt, type SigningAlg } from '../src/index.js';
import { b64, claims, forge, hmacForge, json64, keyFor, keyring, verificationKey } from './helpers.js';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof TokenError) {
      return error.code;
    }
    return `not a TokenError: ${String(error)}`;
  }
  return 'accepted';
}

describe('createJwtSigner / verifyJwt round trip and cross-checks with jose', () => {
  for (const alg of SIGNING_ALGS) {
    it(`${alg}: our tokens verify with jose.jwtVerify and with verifyJwt`, async () => {
      const key = await keyFor(alg);
      const signer = createJwtSigner(key);
      const token = signer.sign(claims(), 'at+jwt');
      const { payload, protectedHeader } = await jwtVerify(token, await importJWK(key.publicJwk as never, alg), {
        typ: 'at+jwt',
        algorithms: [alg],
        issuer: 'https://as.example',
        audience: 'https://api.example',
        currentDate: new Date(claims().iat * 1000),
      });
      expect(protectedHeader).toEqual({ alg, typ: 'at+jwt', kid: key.kid });
      expect(payload).toEqual(claims());
      const ours = verifyJwt(token, { typ: 'at+jwt', getKey: keyring(key) });
      expect(ours.payload).toEqual(claims());
      expect(ours.header).toEqual({ alg, typ: 'at+jwt', kid: key.kid });
      expect(ours.key.kid).toBe(key.kid);
    });

    it(`${alg}: tokens jose signs verify with verifyJwt`, async () => {
      const key = await keyFor(alg);
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg, typ: 'application/at+jwt', kid: key.kid })
        .sign(key.privateKey);
      expect(verifyJwt(token, { typ: 'at+jwt', getKey: keyring(key) }).payload).toEqual(claims());
    });

    it(`${alg}: any single-character change of a signed token fails verification`, async () => {
      const key = await keyFor(alg);
      const token = createJwtSigner(key).sign(claims(), 'at+jwt');
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
      fc.assert(
        fc.property(fc.nat(token.length - 1), fc.constantFrom(...alphabet.split('')), (at, char) => {
          fc.pre(token[at] !== char);
          const mutated = token.slice(0, at) + char + token.slice(at + 1);
          expect(refusal(() => verifyJwt(mutated, { typ: 'at+jwt', getKey: keyring(key) }))).not.toBe('accepted');
        }),
        { numRuns: alg === 'RS256' ? 150 : 300 },
      );
    });
  }

  it('signs unicode claims as UTF-8 that jose reads back', async () => {
    const key = await keyFor('EdDSA');
    const token = createJwtSigner(key).sign(claims({ name: 'Zoë 🔑' }), 'at+jwt');
    const { payload } = await jwtVerify(token, key.publicKey, { currentDate: new Date(claims().iat * 1000) });
    expect(payload.name).toBe('Zoë 🔑');
  });

  it('refuses to build a signer whose key type does not fit its alg', async () => {
    const ed = await keyFor('EdDSA');
    expect(refusal(() => createJwtSigner({ ...ed, alg: 'ES256' }))).toBe('invalid_key');
    expect(refusal(() => createJwtSigner({ kid: ed.kid, alg: 'EdDSA', privateKey: ed.publicKey }))).toBe('invalid_key');
  });
});

describe('verifyJwt refuses forged and broken tokens (RFC 8725, RFC 7515, RFC 9068 §4)', async () => {
  const ed = await keyFor('EdDSA');
  const es = await keyFor('ES256');
  const rs = await keyFor('RS256');
  const getKey = keyring(ed, es, rs);
  const header = (extra: Record<string, unknown> = {}, key = ed) => JSON.stringify({ alg: key.alg, typ: 'at+jwt', kid: key.kid, ...extra });
  const body = JSON.stringify(claims());
  const good = forge(header(), body, ed.privateKey, 'EdDSA');
  const [h, p, s] = good.split('.') as [string, string, string];
  const other = generateKeyPairSync('ed25519');
  const rsPublicPem = rs.publicKey.export({ format: 'pem', type: 'spki' }) as string;
  const zeroSig = (r: boolean, z: boolean) => {
    const sig = Buffer.from(forge(header({}, es), body, es.privateKey, 'ES256').split('.')[2]!, 'base64url');
    if (r) sig.fill(0, 0, 32);
    if (z) sig.fill(0, 32, 64);
    return `${b64(header({}, es))}.${b64(body)}.${b64(sig)}`;
  };

  const shortRsa = () => {
    const [rh, rp, rsig] = forge(header({}, rs), body, rs.privateKey, 'RS256').split('.');
    return `${rh}.${rp}.${b64(Buffer.from(rsig!, 'base64url').subarray(1))}`;
  };

  const table: Array<[string, string, string, Partial<Parameters<typeof verifyJwt>[1]>?]> = [
    ['alg none', `${json64({ alg: 'none', typ: 'at+jwt', kid: ed.kid })}.${p}.`, 'alg_not_allowed'],
    ['alg None', `${json64({ alg: 'None', typ: 'at+jwt', kid: ed.kid })}.${p}.${s}`, 'alg_not_allowed'],
    ['alg NONE', `${json64({ alg: 'NONE', typ: 'at+jwt', kid: ed.kid })}.${p}.${s}`, 'alg_not_allowed'],
    ['HS256 signed with the RSA public key (CVE-2016-10555 style)', hmacForge(header({ alg: 'HS256' }, rs), body, Buffer.from(rsPublicPem)), 'alg_not_allowed'],
    ['ES256 header on an EdDSA key', forge(header({ alg: 'ES256' }), body, ed.privateKey, 'EdDSA'), 'alg_not_allowed'],
    ['RS256 header on an ES256 key', forge(header({ alg: 'RS256' }, es), body, rs.privateKey, 'RS256'), 'alg_not_allowed'],
    ['PS256 (not on our list)', forge(header({ alg: 'PS256' }), body, ed.privateKey, 'EdDSA'), 'alg_not_allowed'],
    ['missing alg', forge(JSON.stringify({ typ: 'at+jwt', kid: ed.kid }), body, ed.privateKey, 'EdDSA'), 'malformed'],
    ['jku header', forge(header({ jku: 'https://evil.example/jwks' }), body, ed.privateKey, 'EdDSA'), 'forbidden_header'],
    ['x5u header', forge(header({ x5u: 'https://evil.example/cert' }), body, ed.privateKey, 'EdDSA'), 'forbidden_header'],
    ['embedded jwk header', forge(header({ jwk: other.publicKey.export({ format: 'jwk' }) }), body, other.privateKey, 'EdDSA'), 'forbidden_header'],
    ['x5c header', forge(header({ x5c: ['MIIB'] }), body, ed.privateKey, 'EdDSA'), 'forbidden_header'],
    ['crit header', forge(header({ crit: ['exp'], exp: 1 }), body, ed.privateKey, 'EdDSA'), 'crit_unsupported'],
    ['empty crit', forge(header({ crit: [] }), body, ed.privateKey, 'EdDSA'), 'crit_unsupported'],
    ['typ JWT (an ID token is not an access token)', forge(header({ typ: 'JWT' }), body, ed.privateKey, 'EdDSA'), 'wrong_typ'],
    ['typ missing', forge(JSON.stringify({ alg: 'EdDSA', kid: ed.kid }), body, ed.privateKey, 'EdDSA'), 'wrong_typ'],
    ['typ dpop+jwt', forge(header({ typ: 'dpop+jwt' }), body, ed.privateKey, 'EdDSA'), 'wrong_typ'],
    ['typ application/jwt', forge(header({ typ: 'application/jwt' }), body, ed.privateKey, 'EdDSA'), 'wrong_typ'],
    ['unknown kid', forge(header({ kid: 'nope' }), body, ed.privateKey, 'EdDSA'), 'unknown_kid'],
    ['no kid', forge(JSON.stringify({ alg: 'EdDSA', typ: 'at+jwt' }), body, ed.privateKey, 'EdDSA'), 'unknown_kid'],
    ['kid not a string', forge(header({ kid: 42 }), body, ed.privateKey, 'EdDSA'), 'malformed'],
    ['signature of another key under our kid', forge(header(), body, other.privateKey, 'EdDSA'), 'bad_signature'],
    ['payload swapped after signing', `${h}.${json64(claims({ scope: 'admin' }))}.${s}`, 'bad_signature'],
    ['ECDSA all-zero R (CVE-2022-21449)', zeroSig(true, false), 'bad_signature'],
    ['ECDSA all-zero S', zeroSig(false, true), 'bad_signature'],
    ['ECDSA r = s = 0', zeroSig(true, true), 'bad_signature'],
    ['ECDSA DER signature', `${b64(header({}, es))}.${b64(body)}.${b64(Buffer.concat([Buffer.from([0x30, 0x44]), Buffer.alloc(68, 1)]))}`, 'bad_signature'],
    ['RSA signature one byte short', shortRsa(), 'bad_signature'],
    ['empty signature', `${h}.${p}.`, 'malformed'],
    ['two segments', `${h}.${p}`, 'malformed'],
    ['four segments', `${good}.${s}`, 'malformed'],
    ['padding in signature', `${good}==`, 'malformed'],
    ['standard base64 characters', `${h}.${p}.${s.replace(/[-_]/g, '+')}${/[-_]/.test(s) ? '' : '+'}`, 'malformed'],
    ['whitespace inside', `${h}. ${p}.${s}`, 'malformed'],
    ['header is not JSON', `${b64('{"alg":')}.${p}.${s}`, 'malformed'],
    ['header is a JSON array', `${json64(['EdDSA'])}.${p}.${s}`, 'malformed'],
    ['header is null', `${b64('null')}.${p}.${s}`, 'malformed'],
    ['payload is a string', forge(header(), '"hello"', ed.privateKey, 'EdDSA'), 'malformed'],
    ['payload is not JSON', forge(header(), 'not json', ed.privateKey, 'EdDSA'), 'malformed'],
    ['duplicate header member (alg)', forge(`{"alg":"EdDSA","typ":"at+jwt","kid":"${ed.kid}","alg":"EdDSA"}`, body, ed.privateKey, 'EdDSA'), 'duplicate_member'],
    ['duplicate payload member (sub)', forge(header(), body.replace('{', '{"sub":"admin",'), ed.privateKey, 'EdDSA'), 'duplicate_member'],
    ['duplicate nested member', forge(header(), body.replace('{', '{"cnf":{"jkt":"a","jkt":"b"},'), ed.privateKey, 'EdDSA'), 'duplicate_member'],
    ['duplicate member with whitespace', forge(header(), body.replace('{', '{"sub" : "admin",'), ed.privateKey, 'EdDSA'), 'duplicate_member'],
    ['invalid UTF-8 in a signed payload', forge(header(), Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), ed.privateKey, 'EdDSA'), 'invalid_utf8'],
    ['invalid UTF-8 in a signed header', forge(Buffer.from(header().replace('}', ',"x":"\xff"}'), 'latin1'), body, ed.privateKey, 'EdDSA'), 'invalid_utf8'],
    ['huge token', `${h}.${b64('x'.repeat(20_000))}.${s}`, 'too_large'],
    ['too long for a custom limit', good, 'too_large', { maxLength: 100 }],
    ['not a string', 42 as unknown as string, 'malformed'],
  ];

  for (const [name, token, expected, extra] of table) {
    it(`refuses ${name} with ${expected}`, () => {
      expect(refusal(() => verifyJwt(token, { typ: 'at+jwt', getKey, ...extra }))).toBe(expected);
    });
  }

  it('accepts the unmodified token, and typ case-insensitively with or without application/ (RFC 7515 §4.1.9)', () => {
    expect(verifyJwt(good, { typ: 'at+jwt', getKey }).payload.sub).toBe('user-1');
    for (const typ of ['AT+JWT', 'application/at+jwt', 'Application/At+Jwt']) {
      expect(verifyJwt(forge(header({ typ }), body, ed.privateKey, 'EdDSA'), { typ: 'at+jwt', getKey }).header.typ).toBe(typ);
    }
  });

  it('accepts string values holding colons and quotes without a false duplicate', () => {
    const tricky = JSON.stringify(claims({ note: 'a":"b', url: 'https://x:1/"sub":' }));
    expect(verifyJwt(forge(header(), tricky, ed.privateKey, 'EdDSA'), { typ: 'at+jwt', getKey }).payload.note).toBe('a":"b');
  });

  it('survives deeply nested JSON without a stack overflow, still catching nested duplicates', () => {
    const depth = 5000;
    const nested = `{"sub":"x","deep":${'['.repeat(depth)}{"k":1,"k":2}${']'.repeat(depth)}}`;
    const small = { typ: 'at+jwt', getKey, maxLength: 64 * 1024 };
    expect(refusal(() => verifyJwt(forge(header(), nested, ed.privateKey, 'EdDSA'), small))).toBe('duplicate_member');
    const clean = `{"sub":"x","deep":${'['.repeat(depth)}{"k":1}${']'.repeat(depth)}}`;
    expect(refusal(() => verifyJwt(forge(header(), clean, ed.privateKey, 'EdDSA'), small))).toBe('accepted');
  });

  it('refuses non-canonical base64url in the signature (unused bits set)', () => {
    const last = s[s.length - 1]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) + 1]!;
    expect(Buffer.from(s.slice(0, -1) + twin, 'base64url')).toEqual(Buffer.from(s, 'base64url'));
    expect(refusal(() => verifyJwt(`${h}.${p}.${s.slice(0, -1)}${twin}`, { typ: 'at+jwt', getKey }))).toBe('malformed');
  });

  it('refuses a key handed back for the wrong algorithm family (no algorithm confusion through getKey)', () => {
    const token = forge(header({ alg: 'ES256' }, rs), body, es.privateKey, 'ES256');
    const lying = () => ({ ...verificationKey(rs), alg: 'ES256' as SigningAlg });
    expect(refusal(() => verifyJwt(token, { typ: 'at+jwt', getKey: lying }))).toBe('invalid_key');
  });

  it('checks typ on every call even when the header was seen before (C-42: one JWT kind per validation)', () => {
    expect(verifyJwt(good, { typ: 'at+jwt', getKey }).header.typ).toBe('at+jwt');
    expect(refusal(() => verifyJwt(good, { typ: 'dpop+jwt', getKey }))).toBe('wrong_typ');
    expect(refusal(() => verifyJwt(good, { typ: 'at+jwt', getKey: () => undefined }))).toBe('unknown_kid');
    expect(Object.isFrozen(verifyJwt(good, { typ: 'at+jwt', getKey }).header)).toBe(true);
  });

  it('reads no key for alg none: the lookup is never called', () => {
    let called = false;
    const token = `${json64({ alg: 'none', typ: 'at+jwt' })}.${p}.`;
    refusal(() => verifyJwt(token, { typ: 'at+jwt', getKey: () => ((called = true), undefined) }));
    expect(called).toBe(false);
  });

  it('exports keys jose can import (JWK round trip)', async () => {
    expect((await exportJWK(ed.publicKey)).x).toBe(ed.publicJwk.x);
  });
});
