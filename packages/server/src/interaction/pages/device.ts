import { html } from '../html.js';
import { csrfInput, errorMessage, field } from './forms.js';
import { withRetryAfter } from './login.js';
import { renderPage, type RenderedPage } from './layout.js';
import { messageFor, statusFor, type InteractionError } from './messages.js';

export interface DeviceCodePageInput {
  readonly action: string;
  readonly csrfToken: string;
  /** Pre-filled from `verification_uri_complete` (RFC 8628 §3.3.1); the user still confirms it. */
  readonly userCode?: string;
  readonly error?: InteractionError;
  readonly retryAfterSeconds?: number;
}

/**
 * User-code entry for the device flow (RFC 8628 §3.3). The code is case-insensitive and the dash is
 * optional (§6.1), so the field capitalises and does not spell-check; the server normalises.
 */
export function deviceCodePage(input: DeviceCodePageInput): RenderedPage {
  const errorId = input.error ? 'device-error' : undefined;
  const page = renderPage({
    title: 'Connect a device',
    status: statusFor(input.error),
    main: html`<h1>Connect a device</h1>
${errorMessage('device-error', input.error && messageFor(input.error, input.retryAfterSeconds))}
<form method="post" action="${input.action}">
${csrfInput(input.csrfToken)}
${field({ id: 'user_code', name: 'user_code', label: 'Code', type: 'text', autocomplete: 'off', value: input.userCode ?? '', maxlength: 16, autocapitalize: 'characters', autofocus: true, hint: 'Enter the code shown on your device, for example BDWP-HQPK.', ...(errorId && { errorId }) })}
<button class="primary" type="submit">Continue</button>
</form>`,
  });
  return withRetryAfter(page, input.error === 'throttled' ? input.retryAfterSeconds : undefined);
}

/** After the user approved or denied a device (RFC 8628 §3.3: tell them to return to the device). */
export function deviceDonePage(input: { readonly approved: boolean; readonly clientName: string }): RenderedPage {
  return renderPage({
    title: input.approved ? 'Device connected' : 'Device not connected',
    main: input.approved
      ? html`<h1>Device connected</h1><p>${input.clientName} can now use your account. You can return to your device.</p>`
      : html`<h1>Device not connected</h1><p>You denied access to ${input.clientName}. You can close this page.</p>`,
  });
}

export interface DeviceConfirmPageInput {
  readonly action: string;
  readonly csrfToken: string;
  /** Normalised user code, shown grouped so the user can compare it with the device. */
  readonly userCode: string;
  readonly clientName: string;
  readonly scopes: readonly string[];
  readonly username: string;
}

/**
 * Confirm a device (RFC 8628 §5.4: show which client asks and have the user check the code on the
 * device, against remote phishing). Approve and deny post `decision` with the code in a hidden field.
 */
export function deviceConfirmPage(input: DeviceConfirmPageInput): RenderedPage {
  const shown = input.userCode.length === 8 ? `${input.userCode.slice(0, 4)}-${input.userCode.slice(4)}` : input.userCode;
  return renderPage({
    title: `Connect ${input.clientName}?`,
    main: html`<h1>Connect ${input.clientName}?</h1>
<p class="muted">Signed in as <strong>${input.username}</strong></p>
<p>Check that your device shows this code: <strong class="secret">${shown}</strong></p>
<p id="device-scopes">${input.clientName} will be able to:</p>
<ul class="scopes" aria-labelledby="device-scopes">${input.scopes.map((s) => html`<li><code>${s}</code></li>`)}</ul>
<p class="muted">Only continue if you started this on a device you own.</p>
<form method="post" action="${input.action}">
${csrfInput(input.csrfToken)}
<input type="hidden" name="user_code" value="${input.userCode}">
<div class="actions">
<button class="primary" type="submit" name="decision" value="approve">Allow</button>
<button class="secondary" type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`,
  });
}
