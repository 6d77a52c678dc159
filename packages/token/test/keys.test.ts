import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  SIGNING_ALGS,
  TokenError,
  decryptPrivateKey,
  encryptPrivateKey,
  generateSigningKey,
  importPublicJwk,
  jwkThumbprint,
  parseMasterKey,
} from '../src/index.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof TokenError ? error.code : `not a TokenError: ${String(error)}`;
  }
  return 'no error';
};

describe('jwkThumbprint', () => {
  it('computes the RFC 7638 §3.1 example thumbprint', () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('ignores non-required members and refuses unknown kty or missing members (RFC 7638 §3.2)', () => {
    expect(code(() => jwkThumbprint({ kty: 'oct', k: 'abc' }))).toBe('invalid_key');
    expect(code(() => jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'a' }))).toBe('invalid_key');
  });
});

describe('generateSigningKey', () => {
  for (const alg of SIGNING_ALGS) {
    it(`generates a ${alg} key whose kid is its RFC 7638 thumbprint and whose JWK is public only`, async () => {
      const key = await generateSigningKey(alg);
      expect(key.alg).toBe(alg);
      expect(key.kid).toBe(await calculateJwkThumbprint(key.publicJwk as never, 'sha256'));
      expect(key.publicJwk).toMatchObject({ kid: key.kid, alg, use: 'sig' });
      expect(key.publicJwk).not.toHaveProperty('d');
      expect(key.privateKey.type).toBe('private');
    });
  }

  it('uses RSA 2048 by default and refuses smaller moduli', async () => {
    const key = await generateSigningKey('RS256');
    expect(key.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    await expect(generateSigningKey('RS256', { rsaModulusLength: 1024 })).rejects.toThrow(RangeError);
  });
});

describe('parseMasterKey', () => {
  const raw = randomBytes(32);
  it('accepts 32 bytes as hex, base64 or base64url, ignoring surrounding whitespace', () => {
    expect(parseMasterKey(raw.toString('hex'))).toEqual(raw);
    expect(parseMasterKey(raw.toString('base64') + '\n')).toEqual(raw);
    expect(parseMasterKey(raw.toString('base64url'))).toEqual(raw);
  });

  it('refuses other lengths and garbage without echoing the input', () => {
    for (const bad of ['', 'secret', randomBytes(16).toString('hex'), randomBytes(33).toString('base64'), 'zz'.repeat(32)]) {
      expect(code(() => parseMasterKey(bad))).toBe('invalid_master_key');
    }
    try {
      parseMasterKey('hunter2-hunter2');
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});

describe('private key envelopes (AES-256-GCM, kid as AAD)', () => {
  it('round-trips a private key', async () => {
    const master = randomBytes(32);
    for (const alg of SIGNING_ALGS) {
      const key = await generateSigningKey(alg);
      const envelope = encryptPrivateKey(key.privateKey, master, key.kid);
      expect(envelope).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
      const back = decryptPrivateKey(envelope, master, key.kid);
      expect(createPublicKey(back).export({ format: 'jwk' })).toEqual(key.publicKey.export({ format: 'jwk' }));
    }
  });

  it('uses a fresh IV each time', async () => {
    const master = randomBytes(32);
    const key = await generateSigningKey('EdDSA');
    expect(encryptPrivateKey(key.privateKey, master, key.kid)).not.toBe(encryptPrivateKey(key.privateKey, master, key.kid));
  });

  it('refuses a wrong master key, another kid, or a tampered envelope with decrypt_failed', async () => {
    const master = randomBytes(32);
    const key = await generateSigningKey('ES256');
    const envelope = encryptPrivateKey(key.privateKey, master, key.kid);
    expect(code(() => decryptPrivateKey(envelope, randomBytes(32), key.kid))).toBe('decrypt_failed');
    expect(code(() => decryptPrivateKey(envelope, master, 'another-kid'))).toBe('decrypt_failed');
    const parts = envelope.split('.');
    const ct = Buffer.from(parts[2]!, 'base64url');
    ct[0]! ^= 1;
    parts[2] = ct.toString('base64url');
    expect(code(() => decryptPrivateKey(parts.join('.'), master, key.kid))).toBe('decrypt_failed');
  });

  it('refuses malformed envelopes and bad master keys', async () => {
    const master = randomBytes(32);
    const key = await generateSigningKey('EdDSA');
    for (const bad of ['', 'v1.a.b', 'v2.AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA', 'v1.AA.AA.AA', 'v1.a+b.c.d']) {
      expect(code(() => decryptPrivateKey(bad, master, key.kid))).toBe('malformed');
    }
    expect(code(() => encryptPrivateKey(key.privateKey, randomBytes(16), key.kid))).toBe('invalid_master_key');
    expect(code(() => encryptPrivateKey(key.publicKey, master, key.kid))).toBe('invalid_key');
  });
});

describe('importPublicJwk', () => {
  it('imports each algorithm’s own key type', async () => {
    for (const alg of SIGNING_ALGS) {
      const key = await generateSigningKey(alg);
      expect(importPublicJwk(key.publicJwk as never, alg).type).toBe('public');
    }
  });

  it('refuses a key of the wrong type or curve for the algorithm (RFC 8725 §3.1)', async () => {
    const ed = (await generateSigningKey('EdDSA')).publicJwk as unknown as Record<string, unknown>;
    const ec = (await generateSigningKey('ES256')).publicJwk as unknown as Record<string, unknown>;
    expect(code(() => importPublicJwk(ed, 'ES256'))).toBe('invalid_key');
    expect(code(() => importPublicJwk({ ...ec, alg: undefined }, 'RS256'))).toBe('invalid_key');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
    expect(code(() => importPublicJwk(p384, 'ES256'))).toBe('invalid_key');
    expect(code(() => importPublicJwk({ ...ed, alg: 'ES256' }, 'EdDSA'))).toBe('invalid_key');
    expect(code(() => importPublicJwk({ ...ed, use: 'enc' }, 'EdDSA'))).toBe('invalid_key');
  });

  it('refuses private members, short RSA moduli and EC points off the curve (RFC 8725 §3.4)', async () => {
    const priv = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    expect(code(() => importPublicJwk(priv, 'EdDSA'))).toBe('invalid_key');
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    expect(code(() => importPublicJwk(small, 'RS256'))).toBe('invalid_key');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const y = Buffer.from(ec.y!, 'base64url');
    y[31]! ^= 1;
    expect(code(() => importPublicJwk({ ...ec, y: y.toString('base64url') }, 'ES256'))).toBe('invalid_key');
  });
});
