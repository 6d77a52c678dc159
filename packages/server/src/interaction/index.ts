export { clearCookie, cookieName, cookieSecurityFor, readCookie, serializeCookie, type CookieOptions, type CookieSecurity } from './cookies.js';
export { createCsrfProtection, isCrossSiteRequest, type CsrfProtection } from './csrf.js';
export { contentSecurityPolicy, formActionSourceFor, securityHeaders, type SecurityHeaderOptions } from './headers.js';
export { escapeHtml, html, safeHref, SafeHtml } from './html.js';
export { passwordStep, totpStep, type LoginDeps, type LoginOutcome, type PasswordStepInput, type TotpStepInput } from './login-attempt.js';
export * from './pages/index.js';
export { encodeQr, QrCapacityError, type QrCode } from './qr/encode.js';
export { qrToSvg } from './qr/svg.js';
export {
  createLoginThrottle,
  DEFAULT_THROTTLE_POLICY,
  ipKey,
  type LoginAttempt,
  type LoginThrottle,
  type ThrottleDecision,
  type ThrottlePolicy,
  type ThrottleRule,
} from './throttle.js';
export { interactionSchema, type InteractionConfig } from './config.js';
export { createSealer, deriveKey, MAX_SEALED_LENGTH, type Sealer } from './sealed.js';
export { userCodeFailed, userCodeWait, type UserCodeThrottleRule } from './user-code-throttle.js';
