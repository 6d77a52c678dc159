// The verify hot path remembers things between calls (the last verified header, views of its scratch
// buffer by length, the plan of a `required` list). Each memory must never let a later token skip a
// check that token needs: these tests alternate tokens so that a stale memory would show.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sliceBase64url, sliceUtf8, writeBase64url, writeLatin1, writeUtf8 } from '../src/jwt/fast-buffer.js';
import { TokenError, createJwtSigner, validateClaims, verifyJwt } from '../src/index.js';
import { NOW, b64, claims, forge, keyFor, keyring } from './helpers.js';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return error instanceof TokenError ? `${error.code}${error.claim === undefined ? '' : ` (${error.claim})`}` : `not a TokenError: ${String(error)}`;
  }
  return 'accepted';
}

describe('verifyJwt: the remembered header never stands in for another header', () => {
  it('RFC 8725 §3.10: right after a valid token, a token with the same key but a jku header is refused', async () => {
    const key = await keyFor('ES256');
    const options = { typ: 'at+jwt', getKey: keyring(key) };
    const good = createJwtSigner(key).sign(claims(), 'at+jwt');
    const bad = forge(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: key.kid, jku: 'https://evil.example/jwks' }), JSON.stringify(claims()), key.privateKey, 'ES256');
    for (let i = 0; i < 3; i++) {
      expect(refusal(() => verifyJwt(good, options))).toBe('accepted');
      expect(refusal(() => verifyJwt(bad, options))).toBe('forbidden_header (jku)');
    }
  });

  it('RFC 8725 §3.11: right after a valid access token, the same key with typ JWT is wrong_typ', async () => {
    const key = await keyFor('EdDSA');
    const options = { typ: 'at+jwt', getKey: keyring(key) };
    const good = createJwtSigner(key).sign(claims(), 'at+jwt');
    const other = createJwtSigner(key).sign(claims(), 'JWT');
    expect(refusal(() => verifyJwt(good, options))).toBe('accepted');
    expect(refusal(() => verifyJwt(other, options))).toBe('wrong_typ (typ)');
    expect(refusal(() => verifyJwt(good, options))).toBe('accepted');
  });

  it('RFC 7515 §5.2: a remembered header does not make a token with a bad signature valid', async () => {
    const key = await keyFor('RS256');
    const options = { typ: 'at+jwt', getKey: keyring(key) };
    const good = createJwtSigner(key).sign(claims(), 'at+jwt');
    const [h, p, s] = good.split('.');
    // Same header segment, payload changed by one claim of the same length: the signature no longer covers it.
    const tampered = `${h}.${b64(JSON.stringify(claims({ sub: 'user-2' })))}.${s}`;
    expect(tampered.length).toBe(good.length);
    expect(p).not.toBe(tampered.split('.')[1]);
    expect(refusal(() => verifyJwt(good, options))).toBe('accepted');
    expect(refusal(() => verifyJwt(tampered, options))).toBe('bad_signature');
  });
});

describe('verifyJwt: signing inputs of equal and of different lengths alternate correctly', () => {
  it('RFC 7515 §5.2 step 8: each token is verified over its own bytes, whatever length came before', async () => {
    const key = await keyFor('ES256');
    const signer = createJwtSigner(key);
    const options = { typ: 'at+jwt', getKey: keyring(key) };
    const tokens = ['a', 'bb', 'a', 'cccccccccccccccccccc', 'bb'].map((sub, i) => signer.sign(claims({ sub, jti: `j-${i}` }), 'at+jwt'));
    for (const token of tokens) expect(verifyJwt(token, options).payload.jti).toMatch(/^j-/);
    // A signature moved onto another token of the same length is refused.
    const [h0, p0] = tokens[0]!.split('.');
    const s2 = tokens[2]!.split('.')[2];
    expect(tokens[0]!.length).toBe(tokens[2]!.length);
    expect(refusal(() => verifyJwt(`${h0}.${p0}.${s2}`, options))).toBe('bad_signature');
  });
});

describe('validateClaims: the planned `required` list follows the caller', () => {
  it('RFC 9068 §2.2: a claim added to the same required array later is enforced', () => {
    const required = ['iss', 'exp'];
    const payload = claims({ jti: undefined });
    expect(refusal(() => validateClaims(payload, { now: NOW, required }))).toBe('accepted');
    required.push('jti');
    expect(refusal(() => validateClaims(payload, { now: NOW, required }))).toBe('missing_claim (jti)');
  });

  it('RFC 9068 §2.2: a claim replaced in the same required array is enforced', () => {
    const required = ['iss', 'sub'];
    const payload = claims({ client_id: undefined });
    expect(refusal(() => validateClaims(payload, { now: NOW, required }))).toBe('accepted');
    required[1] = 'client_id';
    expect(refusal(() => validateClaims(payload, { now: NOW, required }))).toBe('missing_claim (client_id)');
  });

  it('a required claim outside the registered set (e.g. tenant) is checked too', () => {
    const required = ['iss', 'tenant'];
    expect(refusal(() => validateClaims(claims(), { now: NOW, required }))).toBe('missing_claim (tenant)');
    expect(refusal(() => validateClaims(claims({ tenant: 'acme' }), { now: NOW, required }))).toBe('accepted');
  });

  it('each missing registered claim is named, in the order of the required list', () => {
    const required = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];
    for (const name of required) {
      const payload = claims({ [name]: undefined });
      // exp is required by default and reported first when absent.
      expect(refusal(() => validateClaims(payload, { now: NOW, required }))).toBe(`missing_claim (${name})`);
    }
    expect(refusal(() => validateClaims(claims({ jti: undefined, sub: undefined }), { now: NOW, required }))).toBe('missing_claim (sub)');
  });
});

describe('fast-buffer: the direct encoding calls behave exactly like Buffer#write / Buffer#toString', () => {
  it('for any string (valid base64url or not), any room and any bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), fc.nat(64), fc.uint8Array({ maxLength: 64 }), (text, room, bytes) => {
        const a = Buffer.alloc(room, 1);
        const b = Buffer.alloc(room, 1);
        const n = Math.min(Math.ceil((text.length * 3) / 4), room);
        expect(writeBase64url(a, text, 0, n)).toBe(b.write(text, 0, n, 'base64url'));
        expect(a.equals(b)).toBe(true);
        expect(writeLatin1(a, text, 0, Math.min(text.length, room))).toBe(b.write(text, 0, Math.min(text.length, room), 'latin1'));
        expect(a.equals(b)).toBe(true);
        const buf = Buffer.from(bytes);
        expect(sliceBase64url(buf, 0, buf.length)).toBe(buf.toString('base64url', 0, buf.length));
        expect(sliceUtf8(buf, 0, buf.length)).toBe(buf.toString('utf8', 0, buf.length));
      }),
    );
  });
});

describe('createJwtSigner: payloads encoded in the scratch buffer and beyond it', () => {
  it('RFC 7515 §7.1: non-ASCII claims (surrogate pairs too) and a payload larger than the scratch round-trip exactly', async () => {
    const key = await keyFor('EdDSA');
    const signer = createJwtSigner(key);
    const options = { typ: 'at+jwt', getKey: keyring(key), maxLength: 1 << 20 };
    for (const extra of [{ name: 'Zoë 😀 漢字' }, { blob: 'é'.repeat(9000) }, { blob: 'a'.repeat(20_000) }, { name: 'short' }]) {
      const token = signer.sign(claims(extra), 'at+jwt');
      expect(verifyJwt(token, options).payload).toEqual(claims(extra));
      expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'))).toEqual(claims(extra));
    }
  });

  it('writeUtf8 matches Buffer#write for any string and room (whole characters only)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.nat(64), (text, room) => {
        const a = Buffer.alloc(room, 1);
        const b = Buffer.alloc(room, 1);
        expect(writeUtf8(a, text, 0, room)).toBe(b.write(text, 0, room, 'utf8'));
        expect(a.equals(b)).toBe(true);
      }),
    );
  });
});
