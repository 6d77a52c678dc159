import { createPublicKey, constants, randomBytes, sign, type KeyObject } from 'node:crypto';
import { jwkThumbprint } from '../keys/thumbprint.js';
import type { DpopAlg } from './algorithms.js';
import { accessTokenHash } from './verify.js';

/** Options of {@link createDpopProof}. */
export interface CreateDpopProofOptions {
  /** HTTP method of the request the proof is for. */
  htm: string;
  /** Target URI of the request (query and fragment are dropped, RFC 9449 §4.2). */
  htu: string;
  /** At a resource server: the access token sent with the proof; sets `ath` (RFC 9449 §4.2). */
  accessToken?: string;
  /** The server's `DPoP-Nonce`, when it demanded one (RFC 9449 §8, §9). */
  nonce?: string;
  /** Seconds since the epoch; default now. */
  iat?: number;
  /** Default: 128 random bits, base64url. */
  jti?: string;
  /** For RSA keys: RS256 (default) or PS256. Other key types imply their algorithm. */
  alg?: DpopAlg;
}

const publicJwks = new WeakMap<KeyObject, Record<string, string>>();

function publicJwkOf(privateKey: KeyObject): Record<string, string> {
  let jwk = publicJwks.get(privateKey);
  if (jwk === undefined) {
    const full = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, string>;
    jwk = full.kty === 'RSA' ? { kty: 'RSA', n: full.n!, e: full.e! } : full.kty === 'EC' ? { kty: 'EC', crv: full.crv!, x: full.x!, y: full.y! } : { kty: 'OKP', crv: full.crv!, x: full.x! };
    publicJwks.set(privateKey, jwk);
  }
  return jwk;
}

function algOf(privateKey: KeyObject, requested: DpopAlg | undefined): DpopAlg {
  const type = privateKey.asymmetricKeyType;
  const alg: DpopAlg | undefined =
    type === 'ed25519' ? 'EdDSA'
    : type === 'ec' && privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'ES256'
    : type === 'rsa' ? (requested === 'PS256' ? 'PS256' : 'RS256')
    : undefined;
  if (alg === undefined || (requested !== undefined && requested !== alg)) {
    throw new TypeError(`createDpopProof: a ${type ?? 'unknown'} key cannot sign ${requested ?? 'a DPoP proof'}`);
  }
  return alg;
}

/**
 * Create a DPoP proof JWT (RFC 9449 §4.2) with the client's private key: header `typ: dpop+jwt`, the
 * algorithm of the key, and its public `jwk`; claims `jti`, `htm`, `htu` (without query and fragment),
 * `iat`, and `ath` / `nonce` when given. For clients, tests and examples; send it in the `DPoP` header.
 *
 * @example
 * const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
 * const proof = createDpopProof(privateKey, { htm: 'POST', htu: 'https://as.example/token' });
 * await fetch('https://as.example/token', { method: 'POST', headers: { DPoP: proof, … }, body });
 */
export function createDpopProof(privateKey: KeyObject, options: CreateDpopProofOptions): string {
  if (privateKey.type !== 'private') throw new TypeError('createDpopProof: a private key is required');
  const alg = algOf(privateKey, options.alg);
  const url = new URL(options.htu);
  const payload: Record<string, unknown> = {
    jti: options.jti ?? randomBytes(16).toString('base64url'),
    htm: options.htm,
    htu: `${url.protocol}//${url.host}${url.pathname}`,
    iat: options.iat ?? Math.floor(Date.now() / 1000),
  };
  if (options.accessToken !== undefined) payload.ath = accessTokenHash(options.accessToken);
  if (options.nonce !== undefined) payload.nonce = options.nonce;
  const header = { typ: 'dpop+jwt', alg, jwk: publicJwkOf(privateKey) };
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const key =
    alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const }
    : alg === 'PS256' ? { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
    : privateKey;
  return `${input}.${sign(alg === 'EdDSA' ? null : 'sha256', Buffer.from(input), key).toString('base64url')}`;
}


/** The RFC 7638 thumbprint (`jkt`) of a DPoP key's public half: what tokens bound to it carry in `cnf.jkt`. */
export function dpopKeyThumbprint(key: KeyObject): string {
  return jwkThumbprint(key.type === 'private' ? publicJwkOf(key) : (key.export({ format: 'jwk' }) as Record<string, string>));
}
