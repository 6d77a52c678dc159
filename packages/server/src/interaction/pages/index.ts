export { consentPage, STANDARD_SCOPE_DESCRIPTIONS, type ConsentPageInput, type ConsentScope } from './consent.js';
export { deviceCodePage, deviceDonePage, type DeviceCodePageInput } from './device.js';
export { errorPage, type ErrorPageInput } from './error.js';
export { renderPage, type PageOptions, type RenderedPage } from './layout.js';
export { loginPage, withRetryAfter, type LoginPageInput } from './login.js';
export { loggedOutPage, logoutConfirmPage, type LogoutConfirmPageInput } from './logout.js';
export { messageFor, statusFor, type InteractionError } from './messages.js';
export { PAGE_CSS, PAGE_CSS_HASH } from './styles.js';
export { totpEnrolPage, totpVerifyPage, type TotpEnrolPageInput, type TotpVerifyPageInput } from './totp.js';
