import { hash, parseOptions, verify, type Algorithm, type Options } from '@node-rs/argon2';

/**
 * Password hashing with argon2id. Defaults are the OWASP Password Storage Cheat Sheet's first
 * argon2id configuration: "m=19456 (19 MiB), t=2, p=1". Operators may raise them; stored hashes made
 * with other parameters are reported as `needsRehash` so they are upgraded at the next login.
 */
export interface PasswordHashParams {
  /** Memory in KiB (argon2 `m`). */
  readonly memoryCost: number;
  /** Passes (argon2 `t`). */
  readonly timeCost: number;
  /** Lanes (argon2 `p`). */
  readonly parallelism: number;
  /** Longest accepted password in UTF-8 bytes after normalisation; bounds the work an attacker can request. */
  readonly maxPasswordBytes: number;
}

export const OWASP_ARGON2ID: PasswordHashParams = Object.freeze({
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  maxPasswordBytes: 1024,
});

/** Result of {@link PasswordHasher.verify}. */
export interface PasswordVerification {
  readonly ok: boolean;
  /** The password matched but the stored hash was made with other parameters: store a fresh hash. */
  readonly needsRehash: boolean;
}

export interface PasswordHasher {
  readonly params: PasswordHashParams;
  /** Hash a password (normalised first). Throws {@link PasswordInputError} for non-strings or over-long input. */
  hash(password: string): Promise<string>;
  /**
   * Verify `password` against a stored PHC string. Never throws for bad input: an over-long or
   * non-string password, or a malformed stored hash, is `{ ok: false }` after the same amount of work.
   */
  verify(storedHash: string, password: string): Promise<PasswordVerification>;
  /**
   * Spend the time of one verification and fail. Call it when the username is unknown so that
   * response time does not reveal which usernames exist.
   */
  verifyDummy(password: string): Promise<PasswordVerification>;
}

export class PasswordInputError extends Error {
  override readonly name = 'PasswordInputError';
  constructor(readonly reason: 'not_a_string' | 'too_long') {
    super(reason === 'too_long' ? 'password is too long' : 'password must be a string');
  }
}

// `Algorithm` is an ambient const enum; with isolatedModules we cannot reference its members.
const ARGON2ID = 2 as Algorithm;
const FAILED: PasswordVerification = Object.freeze({ ok: false, needsRehash: false });

/**
 * Unicode normalisation before hashing, so the same password typed on two keyboards (composed vs
 * decomposed "é") hashes alike. NIST SP 800-63B §5.1.1.2 asks verifiers to normalise Unicode; we use
 * NFC as the PRECIS OpaqueString profile does (RFC 8265 §4.2.2), which never changes ASCII and, unlike
 * NFKC, does not fold distinct characters together. This choice is part of every stored hash: never change it.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFC');
}

function checkParams(params: PasswordHashParams): void {
  const { memoryCost, timeCost, parallelism, maxPasswordBytes } = params;
  const int = (n: number, min: number, max: number) => Number.isSafeInteger(n) && n >= min && n <= max;
  // Floors from OWASP's table: below m=7168 (with t=5) argon2id stops being a meaningful defence.
  if (!int(memoryCost, 7168, 4_194_304)) throw new RangeError('argon2 memoryCost must be 7168..4194304 KiB');
  if (!int(timeCost, 1, 100)) throw new RangeError('argon2 timeCost must be 1..100');
  if (!int(parallelism, 1, 16)) throw new RangeError('argon2 parallelism must be 1..16');
  if (!int(maxPasswordBytes, 64, 4096)) throw new RangeError('maxPasswordBytes must be 64..4096 (NIST SP 800-63B asks for at least 64)');
}

/** Create a hasher; the parameters are validated here, not at first use. */
export function createPasswordHasher(params: PasswordHashParams = OWASP_ARGON2ID): PasswordHasher {
  checkParams(params);
  const options: Options = {
    algorithm: ARGON2ID,
    memoryCost: params.memoryCost,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  };
  const usable = (password: unknown): password is string =>
    typeof password === 'string' && Buffer.byteLength(normalizePassword(password), 'utf8') <= params.maxPasswordBytes;

  // Computed once, up front, so that even the first unknown-user login costs one verification, not two.
  const dummy = hash('tessera-dummy-password', options);
  dummy.catch(() => undefined); // surfaced on first use, not as an unhandled rejection
  const dummyHash = () => dummy;

  const stale = (storedHash: string): boolean => {
    const p = parseOptions(storedHash);
    return (
      p.algorithm !== ARGON2ID ||
      p.memoryCost !== params.memoryCost ||
      p.timeCost !== params.timeCost ||
      p.parallelism !== params.parallelism
    );
  };

  async function verifyDummy(password: string): Promise<PasswordVerification> {
    await verify(await dummyHash(), typeof password === 'string' ? password.slice(0, params.maxPasswordBytes) : '');
    return FAILED;
  }

  return {
    params,
    async hash(password) {
      if (typeof password !== 'string') throw new PasswordInputError('not_a_string');
      if (!usable(password)) throw new PasswordInputError('too_long');
      return hash(normalizePassword(password), options);
    },
    async verify(storedHash, password) {
      if (!usable(password) || typeof storedHash !== 'string' || !storedHash.startsWith('$argon2')) {
        return verifyDummy('');
      }
      let ok: boolean;
      try {
        ok = await verify(storedHash, normalizePassword(password));
      } catch {
        // A corrupt stored hash is an operator problem, not the user's: fail closed.
        return FAILED;
      }
      return ok ? { ok: true, needsRehash: stale(storedHash) } : FAILED;
    },
    verifyDummy,
  };
}
