/**
 * Validation of account fields. Usernames are canonicalised to lower case before every write and
 * lookup, which is how "unique, case-insensitive" is kept without collation tricks in each adapter.
 */

/** 3–64 characters from `a-z 0-9 . _ @ + -`, starting and ending with a letter or digit (so e-mail addresses fit). */
const USERNAME = /^[a-z0-9](?:[a-z0-9._@+-]{1,62})[a-z0-9]$/;

/**
 * The canonical form of a username, or `undefined` when it cannot be one. ASCII only: look-alike
 * Unicode usernames (`аlice` with a Cyrillic а) are a phishing tool and gain nothing here.
 */
export function canonicalUsername(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 64) return undefined;
  const lower = input.toLowerCase();
  return USERNAME.test(lower) ? lower : undefined;
}

/**
 * Shape check only (one `@`, no spaces, a dot in the domain, ≤ 254 characters per RFC 5321
 * §4.5.3.1.3); ownership is proven by verification, not by regex.
 */
export function isEmailShaped(input: unknown): input is string {
  return typeof input === 'string' && input.length <= 254 && /^[^\s@]{1,64}@[^\s@.]+(?:\.[^\s@.]+)+$/.test(input);
}

export type PasswordPolicyViolation = 'too_short' | 'too_long' | 'equals_username';

export interface PasswordPolicy {
  /** Minimum length in characters (Unicode code points, as NIST SP 800-63B counts them). */
  readonly minLength: number;
  /** Maximum length in UTF-8 bytes; matches the hasher's limit. */
  readonly maxBytes: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = Object.freeze({ minLength: 8, maxBytes: 1024 });

/**
 * NIST SP 800-63B §5.1.1.2: a minimum length, a generous maximum, no composition rules, and refuse
 * context-specific words (here: the username itself). Returns every violation, empty when fine.
 */
export function checkPasswordPolicy(password: string, username: string, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): PasswordPolicyViolation[] {
  const normalised = password.normalize('NFC');
  const violations: PasswordPolicyViolation[] = [];
  if ([...normalised].length < policy.minLength) violations.push('too_short');
  if (Buffer.byteLength(normalised, 'utf8') > policy.maxBytes) violations.push('too_long');
  if (normalised.toLowerCase() === username.toLowerCase()) violations.push('equals_username');
  return violations;
}

/** Group names as they appear in tokens and policies: 1–64 characters, no spaces or control characters. */
export function isGroupName(input: unknown): input is string {
  return typeof input === 'string' && /^[A-Za-z0-9._:/-]{1,64}$/.test(input);
}
