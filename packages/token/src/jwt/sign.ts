import { sign, type KeyObject } from 'node:crypto';
import { TokenError } from '../errors.js';
import type { SigningAlg } from '../keys/algorithms.js';
import { sliceBase64url, writeLatin1, writeUtf8 } from './fast-buffer.js';
import { keyFacts } from './key-check.js';

/** Signs compact JWS/JWTs with one key, pinned to one algorithm. */
export interface JwtSigner {
  readonly kid: string;
  readonly alg: SigningAlg;
  /**
   * Serialise `payload` as JSON and sign it with header `{ alg, typ, kid }` (explicit typing, RFC 8725
   * §3.11; `at+jwt` for access tokens per RFC 9068 §2.1). The caller owns the claims.
   */
  sign(payload: object, typ: string): string;
}

/** The key a signer is built from (a `SigningKey` fits). */
export interface SignerKey {
  kid: string;
  alg: SigningAlg;
  privateKey: KeyObject;
}

const TYP = /^[\x21-\x7e]{1,64}$/;

/**
 * Where the signer encodes: a `Buffer.from` per payload and per signing input costs more than the
 * encoding. Each use is consumed synchronously (read into a string, or by a synchronous
 * `crypto.sign`) before the next; larger payloads get buffers of their own.
 */
const scratch = Buffer.allocUnsafe(16 * 1024);

/** base64url of the UTF-8 bytes of `text` (RFC 7515 §7.1: BASE64URL(UTF8(JWS Payload))). */
function utf8Base64url(text: string): string {
  // A UTF-16 code unit takes at most 3 bytes in UTF-8.
  if (text.length * 3 > scratch.length) return Buffer.from(text, 'utf8').toString('base64url');
  return sliceBase64url(scratch, 0, writeUtf8(scratch, text, 0, scratch.length));
}

/** The bytes of an ASCII signing input (base64url segments and a dot). */
function latin1Bytes(input: string): Buffer {
  if (input.length > scratch.length) return Buffer.from(input, 'latin1');
  return scratch.subarray(0, writeLatin1(scratch, input, 0, input.length));
}

/**
 * Build a signer on node:crypto with the KeyObject cached and the encoded header cached per `typ`, so
 * each call costs one JSON.stringify, one base64url encoding and the signature itself (DESIGN.md: jose
 * adds a fixed ~60 µs per call, which the issuance hot path must not pay).
 */
export function createJwtSigner({ kid, alg, privateKey }: SignerKey): JwtSigner {
  if (privateKey.type !== 'private') throw new TokenError('invalid_key', 'a signer needs a private key');
  keyFacts(privateKey, alg);
  if (typeof kid !== 'string' || kid.length === 0) throw new TokenError('invalid_key', 'a signer needs a kid');
  const digest = alg === 'EdDSA' ? null : 'sha256';
  // ES256 signatures are R‖S, 64 bytes (RFC 7518 §3.4), not DER.
  const key = alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const } : privateKey;
  const headers = new Map<string, string>();

  function encodedHeader(typ: string): string {
    let header = headers.get(typ);
    if (header === undefined) {
      if (typeof typ !== 'string' || !TYP.test(typ)) throw new TokenError('wrong_typ', 'typ must be a short media type');
      header = Buffer.from(JSON.stringify({ alg, typ, kid }), 'utf8').toString('base64url') + '.';
      if (headers.size < 16) headers.set(typ, header);
    }
    return header;
  }

  return {
    kid,
    alg,
    sign(payload: object, typ: string): string {
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
        throw new TokenError('invalid_claim', 'a JWT payload must be a JSON object');
      }
      const input = encodedHeader(typ) + utf8Base64url(JSON.stringify(payload));
      const signature = sign(digest, latin1Bytes(input), key);
      return input + '.' + sliceBase64url(signature, 0, signature.length);
    },
  };
}
