import { createPublicKey } from 'node:crypto';
import { jwkThumbprint, MIN_RSA_MODULUS_LENGTH } from '@tessera/token';

/** Members only a private or symmetric JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** Why a device key was refused; `field` names the offending member. */
export class DeviceKeyError extends Error {
  override readonly name = 'DeviceKeyError';
  constructor(message: string, readonly field: string) {
    super(message);
  }
}

/** A device key ready to store: its RFC 7638 thumbprint and only its key-defining public members. */
export interface DevicePublicKey {
  jkt: string;
  jwk: Record<string, string>;
}

/**
 * Check a device's public key and reduce it to its key-defining members. Only keys that can sign DPoP
 * proofs Tessera accepts (RFC 9449; RFC 8725 §3.2) are enrolled: EC P-256, OKP Ed25519, RSA ≥ 2048 bits.
 * Private members are refused (a UEM connector that sends them leaks the device's key), and node:crypto
 * refuses EC points off the curve (RFC 8725 §3.4).
 */
export function parseDeviceKey(input: unknown): DevicePublicKey {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new DeviceKeyError('a key must be a JWK object', 'jwk');
  const jwk = input as Record<string, unknown>;
  for (const name of PRIVATE_MEMBERS) {
    if (name in jwk) throw new DeviceKeyError(`the JWK contains the private member "${name}": enrol the public key only`, name);
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new DeviceKeyError('the JWK "use" must be "sig"', 'use');
  let names: string[];
  if (jwk.kty === 'EC') {
    if (jwk.crv !== 'P-256') throw new DeviceKeyError('EC keys must be on P-256 (ES256)', 'crv');
    names = ['crv', 'kty', 'x', 'y'];
  } else if (jwk.kty === 'OKP') {
    if (jwk.crv !== 'Ed25519') throw new DeviceKeyError('OKP keys must be Ed25519 (EdDSA)', 'crv');
    names = ['crv', 'kty', 'x'];
  } else if (jwk.kty === 'RSA') {
    names = ['e', 'kty', 'n'];
  } else {
    throw new DeviceKeyError('unsupported key type: use EC P-256, OKP Ed25519 or RSA', 'kty');
  }
  const material: Record<string, string> = {};
  for (const name of names) {
    const value = jwk[name];
    if (typeof value !== 'string' || value === '') throw new DeviceKeyError(`the JWK lacks "${name}"`, name);
    material[name] = value;
  }
  let bits: number | undefined;
  try {
    bits = createPublicKey({ key: material as never, format: 'jwk' }).asymmetricKeyDetails?.modulusLength;
  } catch {
    throw new DeviceKeyError('the JWK is not a valid public key', 'jwk');
  }
  if (jwk.kty === 'RSA' && (bits ?? 0) < MIN_RSA_MODULUS_LENGTH) {
    throw new DeviceKeyError(`RSA keys need at least ${MIN_RSA_MODULUS_LENGTH} bits`, 'n');
  }
  return { jkt: jwkThumbprint(material), jwk: material };
}
