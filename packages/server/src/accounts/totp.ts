import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { base32Decode, base32Encode } from './base32.js';

/**
 * TOTP (RFC 6238) over HOTP (RFC 4226): HMAC-SHA1, 6 digits, 30-second steps — the parameters every
 * authenticator app supports (Google Authenticator ignores others).
 */
export interface TotpParams {
  readonly digits: 6 | 8;
  /** Step length in seconds (RFC 6238 §4.1 "X"). */
  readonly period: number;
  /** Steps accepted either side of the current one for clock drift (RFC 6238 §5.2 recommends at most one). */
  readonly window: number;
}

export const TOTP_DEFAULTS: TotpParams = Object.freeze({ digits: 6, period: 30, window: 1 });

/** 160-bit secrets: RFC 4226 §4 R6 requires at least 128 bits and recommends 160. */
export const TOTP_SECRET_BYTES = 20;

/** A fresh random secret, base32 without padding (32 characters). */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(TOTP_SECRET_BYTES));
}

/** The RFC 6238 §4.2 time step counter T = floor((unixTime - T0) / X), T0 = 0. */
export function totpStep(now: Date, period: number = TOTP_DEFAULTS.period): number {
  return Math.floor(now.getTime() / 1000 / period);
}

/** HOTP value for one counter (RFC 4226 §5.3: HMAC, dynamic truncation, modulo 10^digits). */
export function hotp(key: Uint8Array, counter: number, digits: 6 | 8 = 6): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

export type TotpResult =
  | { readonly ok: true; /** Store as `lastUsedStep` (atomically) so the code cannot be used again. */ readonly step: number }
  | { readonly ok: false; readonly reason: 'malformed' | 'invalid' | 'replayed' };

export interface VerifyTotpInput {
  /** Base32 secret (decrypted). */
  readonly secret: string;
  /** What the user typed; spaces are ignored. */
  readonly code: unknown;
  readonly now: Date;
  /** The highest step accepted before; codes for it or earlier steps are replays (RFC 6238 §5.2). */
  readonly lastUsedStep: number | null;
}

/**
 * Check a code against the steps `now ± window`. Every candidate is computed and compared in constant
 * time, so timing does not reveal which step matched. A code matching only an already-used step is
 * `replayed`; the caller must still persist the returned `step` with a compare-and-set so that two
 * concurrent requests cannot both use it.
 */
export function verifyTotp(input: VerifyTotpInput, params: TotpParams = TOTP_DEFAULTS): TotpResult {
  const code = typeof input.code === 'string' ? input.code.replace(/\s/g, '') : '';
  const key = base32Decode(input.secret);
  if (key === undefined || key.length === 0) throw new Error('TOTP secret is not base32');
  if (code.length !== params.digits || !/^\d+$/.test(code)) return { ok: false, reason: 'malformed' };
  const typed = Buffer.from(code);
  const current = totpStep(input.now, params.period);
  let matched: number | undefined;
  let replayed = false;
  for (let step = current - params.window; step <= current + params.window; step++) {
    const equal = timingSafeEqual(Buffer.from(hotp(key, step, params.digits)), typed);
    if (!equal) continue;
    if (input.lastUsedStep !== null && step <= input.lastUsedStep) replayed = true;
    else matched ??= step;
  }
  if (matched !== undefined) return { ok: true, step: matched };
  return { ok: false, reason: replayed ? 'replayed' : 'invalid' };
}

export interface OtpauthUriInput {
  /** Shown by the app and used as the label prefix; usually the server's display name. */
  readonly issuer: string;
  /** The user's name at the issuer. */
  readonly accountName: string;
  readonly secret: string;
}

/**
 * The enrolment URI in Google's Key Uri Format:
 * `otpauth://totp/Issuer:account?secret=…&issuer=Issuer&algorithm=SHA1&digits=6&period=30`.
 * Issuer and account are percent-encoded; the issuer appears in both label and parameter as the
 * format recommends.
 */
export function otpauthUri(input: OtpauthUriInput, params: TotpParams = TOTP_DEFAULTS): string {
  const label = `${encodeURIComponent(input.issuer)}:${encodeURIComponent(input.accountName)}`;
  const query = new URLSearchParams({
    secret: input.secret,
    issuer: input.issuer,
    algorithm: 'SHA1',
    digits: String(params.digits),
    period: String(params.period),
  });
  // URLSearchParams encodes spaces as '+', which the format does not define; use %20.
  return `otpauth://totp/${label}?${query.toString().replace(/\+/g, '%20')}`;
}
