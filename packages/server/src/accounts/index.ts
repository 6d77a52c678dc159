export { base32Decode, base32Encode } from './base32.js';
export { accountsSchema, passwordParamsFrom, throttlePolicyFrom, type AccountsConfig } from './config.js';
export {
  createPasswordHasher,
  normalizePassword,
  OWASP_ARGON2ID,
  PasswordInputError,
  type PasswordHasher,
  type PasswordHashParams,
  type PasswordVerification,
} from './passwords.js';
export { openSecret, sealSecret, SecretBoxError } from './secret-box.js';
export {
  createAccountService,
  type AccountService,
  type AccountServiceDeps,
  type AuthFailure,
  type AuthResult,
  type CreateUserInput,
  type CreateUserResult,
  type FieldError,
  type RevocationOrder,
} from './service.js';
export { authTooOld, DEFAULT_SESSION_LIFETIMES, hashSessionId, sessionState, startSession, type NewSession, type SessionLifetimes, type SessionState } from './sessions.js';
export { createTotpEnrolment, type EnrolmentConfirm, type EnrolmentStart, type TotpEnrolment } from './totp-enrolment.js';
export { generateTotpSecret, hotp, otpauthUri, TOTP_DEFAULTS, totpStep, verifyTotp, type TotpParams, type TotpResult } from './totp.js';
export { canonicalUsername, checkPasswordPolicy, DEFAULT_PASSWORD_POLICY, isEmailShaped, type PasswordPolicy } from './users.js';
