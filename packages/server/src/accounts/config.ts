import { z } from 'zod';
import { duration } from '../config/duration.js';
import type { ThrottlePolicy } from '../interaction/throttle.js';
import { OWASP_ARGON2ID, type PasswordHashParams } from './passwords.js';

/**
 * Account settings, meant to be mounted in the server config as `accounts`. Every value has a default
 * and a description (the generated config reference reads them).
 */
const throttleRule = (defaults: { freeFailures: number; lockoutAfter: number; maxDelay: number }) =>
  z
    .object({
      freeFailures: z.number().int().min(1).max(1000).default(defaults.freeFailures).describe('Failures before the first delay'),
      baseDelaySeconds: z.number().int().min(0).max(60).default(1).describe('First delay; doubles with each further failure'),
      maxDelaySeconds: duration({ max: 3600 }).default(defaults.maxDelay).describe('Longest delay before lockout'),
      lockoutAfter: z.number().int().min(2).max(10_000).default(defaults.lockoutAfter).describe('Failures that start a temporary lockout'),
      lockoutSeconds: duration({ min: 60, max: 86_400 }).default(900).describe('Lockout length; the lock always expires'),
    })
    .prefault({});

export const accountsSchema = z
  .object({
    argon2: z
      .object({
        memoryCost: z.number().int().min(7168).default(OWASP_ARGON2ID.memoryCost).describe('argon2id memory in KiB (OWASP: 19456)'),
        timeCost: z.number().int().min(1).max(100).default(OWASP_ARGON2ID.timeCost).describe('argon2id passes (OWASP: 2)'),
        parallelism: z.number().int().min(1).max(16).default(OWASP_ARGON2ID.parallelism).describe('argon2id lanes (OWASP: 1)'),
        maxPasswordBytes: z.number().int().min(64).max(4096).default(OWASP_ARGON2ID.maxPasswordBytes).describe('Longest accepted password, UTF-8 bytes'),
      })
      .prefault({})
      .describe('Changing these re-hashes each password at its next successful login'),
    passwordMinLength: z.number().int().min(8).max(64).default(8).describe('Minimum password length in characters (NIST SP 800-63B: at least 8)'),
    totpIssuer: z.string().min(1).max(64).default('Tessera').describe('Name authenticator apps show next to the account'),
    session: z
      .object({
        absolute: duration({ min: 60, max: 90 * 86_400 }).default(12 * 3600).describe('SSO session ends this long after sign-in, whatever the activity'),
        idle: duration({ min: 60, max: 30 * 86_400 }).default(3600).describe('SSO session ends after this long without use'),
      })
      .prefault({}),
    throttle: z
      .object({
        accountAndIp: throttleRule({ freeFailures: 3, lockoutAfter: 10, maxDelay: 60 }),
        ip: throttleRule({ freeFailures: 10, lockoutAfter: 100, maxDelay: 60 }),
        account: throttleRule({ freeFailures: 12, lockoutAfter: 30, maxDelay: 30 }),
        knownSource: duration({ min: 0, max: 365 * 86_400 }).default(30 * 86_400).describe('How long a network or device that signed in stays exempt from the account-wide lock'),
      })
      .prefault({})
      .refine((t) => t.account.freeFailures > t.accountAndIp.lockoutAfter, {
        message: 'throttle.account.freeFailures must exceed throttle.accountAndIp.lockoutAfter, or one attacker IP slows down everyone',
      }),
  })
  .prefault({});

export type AccountsConfig = z.output<typeof accountsSchema>;

/** The hasher parameters from config. */
export function passwordParamsFrom(config: AccountsConfig): PasswordHashParams {
  return { ...config.argon2 };
}

/** The throttle policy from config. */
export function throttlePolicyFrom(config: AccountsConfig): ThrottlePolicy {
  const { knownSource, ...rules } = config.throttle;
  return { ...rules, knownSourceSeconds: knownSource };
}
