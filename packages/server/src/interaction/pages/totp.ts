import { html, type SafeHtml } from '../html.js';
import { encodeQr, QrCapacityError } from '../qr/encode.js';
import { qrToSvg } from '../qr/svg.js';
import { csrfInput, errorMessage, field } from './forms.js';
import { withRetryAfter } from './login.js';
import { renderPage, type RenderedPage } from './layout.js';
import { messageFor, statusFor, type InteractionError } from './messages.js';

const codeField = (errorId: string | undefined) =>
  field({
    id: 'code',
    name: 'code',
    label: 'Authentication code',
    type: 'text',
    autocomplete: 'one-time-code',
    inputmode: 'numeric',
    pattern: '[0-9 ]{6,7}',
    maxlength: 7,
    hint: 'The 6-digit code shown in your authenticator app.',
    autofocus: true,
    ...(errorId && { errorId }),
  });

export interface TotpEnrolPageInput {
  readonly action: string;
  readonly csrfToken: string;
  /** Base32 secret for manual entry. */
  readonly secret: string;
  readonly otpauthUri: string;
  readonly error?: InteractionError;
  readonly formActionSources?: readonly string[];
}

/** The otpauth URI as a QR image (an SVG data: URL, allowed by `img-src data:`); text only if it is too long for one. */
function qrImage(otpauthUri: string): SafeHtml | '' {
  let svg: string;
  try {
    svg = qrToSvg(encodeQr(otpauthUri));
  } catch (error) {
    if (error instanceof QrCapacityError) return '';
    throw error;
  }
  const src = `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
  return html`<img class="qr" alt="QR code for your authenticator app. If you cannot scan it, type the key below." src="${src}">`;
}

/** TOTP enrolment: a QR code, the secret (grouped in fours for reading) and the otpauth URI, then a first code to confirm. */
export function totpEnrolPage(input: TotpEnrolPageInput): RenderedPage {
  const errorId = input.error ? 'totp-error' : undefined;
  const grouped = input.secret.replace(/(.{4})(?=.)/g, '$1 ');
  const qr = qrImage(input.otpauthUri);
  return renderPage({
    title: 'Set up two-step verification',
    status: statusFor(input.error),
    formActionSources: input.formActionSources ?? [],
    main: html`<h1>Set up two-step verification</h1>
<p>Add this account to an authenticator app, then enter the code it shows.</p>
${qr}
<p>Key (type it in, or open the link on this device):</p>
<p class="secret" aria-label="Secret key">${grouped}</p>
<p><a href="${input.otpauthUri}">Open in authenticator app</a></p>
<details><summary>Show setup link</summary><p><code>${input.otpauthUri}</code></p></details>
${errorMessage('totp-error', input.error && messageFor(input.error))}
<form method="post" action="${input.action}">
${csrfInput(input.csrfToken)}
${codeField(errorId)}
<button class="primary" type="submit">Verify and turn on</button>
</form>`,
  });
}

export interface TotpVerifyPageInput {
  readonly action: string;
  readonly csrfToken: string;
  readonly error?: InteractionError;
  readonly retryAfterSeconds?: number;
  readonly formActionSources?: readonly string[];
}

/** Second step of sign-in for users with TOTP. */
export function totpVerifyPage(input: TotpVerifyPageInput): RenderedPage {
  const errorId = input.error ? 'totp-error' : undefined;
  const page = renderPage({
    title: 'Two-step verification',
    status: statusFor(input.error),
    formActionSources: input.formActionSources ?? [],
    main: html`<h1>Two-step verification</h1>
${errorMessage('totp-error', input.error && messageFor(input.error, input.retryAfterSeconds))}
<form method="post" action="${input.action}">
${csrfInput(input.csrfToken)}
${codeField(errorId)}
<button class="primary" type="submit">Continue</button>
</form>`,
  });
  return withRetryAfter(page, input.error === 'throttled' ? input.retryAfterSeconds : undefined);
}
