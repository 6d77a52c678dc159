import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { EmbeddedJWK, exportJWK, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  accessTokenHash,
  createDpopNonces,
  createDpopProof,
  dpopKeyThumbprint,
  DpopError,
  verifyDpopProof,
  type VerifyDpopProofOptions,
} from '../src/index.js';
import { b64 } from './helpers.js';

const NOW = 1_780_000_000;
const HTU = 'https://as.example/token';
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const base: VerifyDpopProofOptions = { htm: 'POST', htu: HTU, now: NOW };
const proof = (extra: Parameters<typeof createDpopProof>[1] | object = {}, key: KeyObject = ec.privateKey) =>
  createDpopProof(key, { htm: 'POST', htu: HTU, iat: NOW, ...extra });

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof DpopError) return error.reason;
    throw error;
  }
  return 'accepted';
}

/** A proof with arbitrary header and payload, signed (ES256) with `key`: what a hostile client can send. */
async function rawProof(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject = ec.privateKey): Promise<string> {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${b64(sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }))}`;
}
const refused = async (pending: Promise<string>) => {
  const value = await pending;
  return reason(() => verifyDpopProof(value, base));
};
const ecJwk = async () => ({ kty: 'EC', crv: 'P-256', x: (await exportJWK(ec.publicKey)).x, y: (await exportJWK(ec.publicKey)).y });
const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ jti: 'j-1', htm: 'POST', htu: HTU, iat: NOW, ...extra });

describe('DPoP proofs (RFC 9449 §4)', () => {
  it('RFC 9449 §4.3: a proof signed with ES256, EdDSA, RS256 or PS256 by the key in its jwk header is valid; jkt is the RFC 7638 thumbprint', () => {
    for (const [key, alg] of [[ec.privateKey, 'ES256'], [ed.privateKey, 'EdDSA'], [rsa.privateKey, 'RS256'], [rsa.privateKey, 'PS256']] as const) {
      const verified = verifyDpopProof(proof({ alg }, key), base);
      expect(verified.alg).toBe(alg);
      expect(verified.jkt).toBe(dpopKeyThumbprint(key));
      expect(verified.htu).toBe(HTU);
      expect(verified.replayUntil).toBe(NOW + 61);
    }
  });

  it('RFC 9449 §4.2: a proof made by jose (another implementation) verifies', async () => {
    const jwk = await exportJWK(ed.publicKey);
    const jose = await new SignJWT({ jti: 'x1', htm: 'GET', htu: 'https://api.example/r' })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'EdDSA', jwk })
      .setIssuedAt(NOW)
      .sign(ed.privateKey);
    expect(verifyDpopProof(jose, { htm: 'GET', htu: 'https://api.example/r', now: NOW }).jkt).toBe(dpopKeyThumbprint(ed.publicKey));
  });

  it('RFC 9449 §4.2: proofs made by createDpopProof verify with jose (embedded jwk, typ dpop+jwt) for every algorithm', async () => {
    for (const [key, alg] of [[ec.privateKey, 'ES256'], [ed.privateKey, 'EdDSA'], [rsa.privateKey, 'RS256'], [rsa.privateKey, 'PS256']] as const) {
      const made = createDpopProof(key, { htm: 'GET', htu: 'https://api.example/r?q=1#f', accessToken: 'at', nonce: 'n1', alg });
      const { payload, protectedHeader } = await jwtVerify(made, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [alg] });
      expect(protectedHeader.jwk).not.toHaveProperty('d');
      expect(payload).toMatchObject({ htm: 'GET', htu: 'https://api.example/r', ath: accessTokenHash('at'), nonce: 'n1' });
      expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
  });

  it('RFC 9449 §4.3 check 8: a proof whose htm differs from the request method is refused', () => {
    expect(reason(() => verifyDpopProof(proof({ htm: 'GET' }), base))).toBe('htm_mismatch');
    expect(reason(() => verifyDpopProof(proof({ htm: 'post' }), base))).toBe('htm_mismatch');
  });

  it('RFC 9449 §4.3 check 9: htu must match the target URI, ignoring query and fragment, after normalisation', () => {
    expect(reason(() => verifyDpopProof(proof({ htu: 'https://as.example/other' }), base))).toBe('htu_mismatch');
    expect(reason(() => verifyDpopProof(proof({ htu: 'https://evil.example/token' }), base))).toBe('htu_mismatch');
    expect(reason(() => verifyDpopProof(proof({ htu: 'http://as.example/token' }), base))).toBe('htu_mismatch');
    expect(verifyDpopProof(proof(), { ...base, htu: 'https://AS.example:443/token?x=1#f' }).htu).toBe(HTU);
    expect(verifyDpopProof(proof({ htu: 'HTTPS://as.EXAMPLE:443/%74oken' }), base).htu).toBe(HTU);
  });

  it('RFC 9449 §4.3 check 11: a proof older than the window or too far in the future is refused', () => {
    expect(reason(() => verifyDpopProof(proof({ iat: NOW - 61 }), base))).toBe('iat_too_old');
    expect(reason(() => verifyDpopProof(proof({ iat: NOW + 6 }), base))).toBe('iat_in_future');
    expect(reason(() => verifyDpopProof(proof({ iat: NOW - 60 }), base))).toBe('accepted');
    expect(reason(() => verifyDpopProof(proof({ iat: NOW + 5 }), base))).toBe('accepted');
    expect(reason(() => verifyDpopProof(proof({ iat: NOW - 20 }), { ...base, maxAge: 10 }))).toBe('iat_too_old');
  });

  it('RFC 9449 §4.3 check 12: at a resource server a proof without ath, or with the hash of another token, is refused', () => {
    const opts = { ...base, accessToken: 'the-token' };
    expect(reason(() => verifyDpopProof(proof(), opts))).toBe('ath_missing');
    expect(reason(() => verifyDpopProof(proof({ accessToken: 'another-token' }), opts))).toBe('ath_mismatch');
    expect(reason(() => verifyDpopProof(proof({ accessToken: 'the-token' }), opts))).toBe('accepted');
    expect(accessTokenHash('the-token')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('RFC 9449 §4.3 check 12: a proof signed by a key other than the one the token is bound to (cnf.jkt) is refused', () => {
    expect(reason(() => verifyDpopProof(proof({}, other.privateKey), { ...base, jkt: dpopKeyThumbprint(ec.privateKey) }))).toBe('key_mismatch');
    expect(reason(() => verifyDpopProof(proof(), { ...base, jkt: dpopKeyThumbprint(ec.publicKey) }))).toBe('accepted');
  });

  it('RFC 9449 §4.3 check 5: alg none and HS256 (a MAC) are refused', async () => {
    const jwk = await ecJwk();
    const none = `${b64(JSON.stringify({ typ: 'dpop+jwt', alg: 'none', jwk }))}.${b64(JSON.stringify(claims()))}.`;
    expect(reason(() => verifyDpopProof(none, base))).toBe('alg_not_allowed');
    const input = `${b64(JSON.stringify({ typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: b64('secret') } }))}.${b64(JSON.stringify(claims()))}`;
    const hs = `${input}.${b64(createHmac('sha256', 'secret').update(input).digest())}`;
    expect(reason(() => verifyDpopProof(hs, base))).toBe('alg_not_allowed');
    expect(reason(() => verifyDpopProof(proof({ alg: 'PS256' }, rsa.privateKey), { ...base, algorithms: ['ES256'] }))).toBe('alg_not_allowed');
  });

  it('RFC 9449 §4.3 check 7: a jwk header holding a private key is refused', async () => {
    const privateJwk = await exportJWK(ec.privateKey);
    expect(reason(() => verifyDpopProof('', base))).toBe('malformed');
    const signed = await rawProof({ typ: 'dpop+jwt', alg: 'ES256', jwk: privateJwk }, claims());
    expect(reason(() => verifyDpopProof(signed, base))).toBe('private_key_in_jwk');
  });

  it('RFC 9449 §4.3 check 4: typ other than dpop+jwt is refused (an access token is not a proof)', async () => {
    const jwk = await ecJwk();
    expect(await refused(rawProof({ typ: 'JWT', alg: 'ES256', jwk }, claims()))).toBe('wrong_typ');
    expect(await refused(rawProof({ typ: 'at+jwt', alg: 'ES256', jwk }, claims()))).toBe('wrong_typ');
    expect(await refused(rawProof({ alg: 'ES256', jwk }, claims()))).toBe('wrong_typ');
  });

  it('RFC 9449 §4.3 check 6: a signature by another key than the jwk header is refused', async () => {
    const jwk = await ecJwk();
    expect(await refused(rawProof({ typ: 'dpop+jwt', alg: 'ES256', jwk }, claims(), other.privateKey))).toBe('bad_signature');
    const good = proof();
    expect(reason(() => verifyDpopProof(`${good.slice(0, good.lastIndexOf('.'))}.${b64(Buffer.alloc(64))}`, base))).toBe('bad_signature');
  });

  it('RFC 9449 §4.3 checks 2–3: malformed proofs and missing claims are refused', async () => {
    const jwk = await ecJwk();
    const header = { typ: 'dpop+jwt', alg: 'ES256', jwk };
    expect(reason(() => verifyDpopProof('a.b', base))).toBe('malformed');
    expect(reason(() => verifyDpopProof(`${proof()}.x`, base))).toBe('malformed');
    expect(reason(() => verifyDpopProof('x'.repeat(9000), base))).toBe('too_large');
    for (const name of ['jti', 'htm', 'htu', 'iat']) {
      const { [name]: _gone, ...rest } = claims();
      expect(await rawProof(header, rest).then((p) => reason(() => verifyDpopProof(p, base)))).toBe('missing_claim');
    }
    expect(reason(() => verifyDpopProof(rawProofSync(header, '{"jti":"a","jti":"b","htm":"POST","htu":"https://as.example/token","iat":1780000000}'), base))).toBe('malformed');
    expect(await rawProof({ ...header, jku: 'https://evil.example/jwks' }, claims()).then((p) => reason(() => verifyDpopProof(p, base)))).toBe('forbidden_header');
    expect(await rawProof({ typ: 'dpop+jwt', alg: 'ES256' }, claims()).then((p) => reason(() => verifyDpopProof(p, base)))).toBe('invalid_jwk');
    expect(await rawProof({ ...header, jwk: { ...jwk, kty: 'RSA' } }, claims()).then((p) => reason(() => verifyDpopProof(p, base)))).toBe('invalid_jwk');
  });

  it('RFC 9449 §11.1: a very long jti is refused; the replay key differs per target URI and hides the jti', () => {
    expect(reason(() => verifyDpopProof(proof({ jti: 'j'.repeat(257) }), base))).toBe('jti_too_long');
    const a = verifyDpopProof(proof({ jti: 'same' }), base);
    const b = verifyDpopProof(createDpopProof(ec.privateKey, { htm: 'POST', htu: 'https://as.example/par', iat: NOW, jti: 'same' }), { ...base, htu: 'https://as.example/par' });
    expect(a.replayKey).not.toBe(b.replayKey);
    expect(a.replayKey).not.toContain('same');
  });

  it('RFC 9449 §8: when the server demands a nonce, a proof without it or with a stale one is refused with a nonce reason', () => {
    let ms = NOW * 1000;
    const nonces = createDpopNonces({ secret: Buffer.alloc(32, 7), now: () => ms, windowSeconds: 60 });
    const current = nonces.current();
    const check = { ...base, nonce: nonces.check };
    expect(reason(() => verifyDpopProof(proof(), check))).toBe('nonce_missing');
    expect(reason(() => verifyDpopProof(proof({ nonce: 'made-up-nonce-value-xx' }), check))).toBe('nonce_invalid');
    expect(reason(() => verifyDpopProof(proof({ nonce: current }), check))).toBe('accepted');
    ms += 60_000; // next window: the previous nonce still counts
    expect(nonces.check(current)).toBe(true);
    ms += 60_000; // two windows later it is stale
    expect(nonces.check(current)).toBe(false);
    expect(createDpopNonces({ secret: Buffer.alloc(32, 8), now: () => ms }).check(nonces.current())).toBe(false);
    expect(() => createDpopNonces({ secret: Buffer.alloc(16) })).toThrow(TypeError);
  });
});

describe('DPoP proofs under mutation (fast-check)', () => {
  it('RFC 9449 §4.3: every one-character change of a valid proof is refused with a DpopError, never accepted', () => {
    const valid = createDpopProof(ed.privateKey, { htm: 'POST', htu: HTU, iat: NOW, jti: 'fixed' });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
    fc.assert(
      fc.property(fc.nat({ max: valid.length - 1 }), fc.constantFrom(...alphabet), (index, c) => {
        fc.pre(valid[index] !== c);
        const mutated = valid.slice(0, index) + c + valid.slice(index + 1);
        expect(() => verifyDpopProof(mutated, base)).toThrow(DpopError);
      }),
      { numRuns: 500 },
    );
  });
});

function rawProofSync(header: Record<string, unknown>, payloadText: string): string {
  const input = `${b64(JSON.stringify(header))}.${b64(payloadText)}`;
  return `${input}.${b64(sign('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }))}`;
}
