import { html } from '../html.js';
import { csrfInput, errorMessage, field } from './forms.js';
import { renderPage, type RenderedPage } from './layout.js';
import { messageFor, statusFor, type InteractionError } from './messages.js';

export interface LoginPageInput {
  /** Where the form posts (same origin). */
  readonly action: string;
  readonly csrfToken: string;
  /** Pre-filled username (from a failed attempt or `login_hint`). */
  readonly username?: string;
  /** Who is asking, from the client's registered `client_name`. */
  readonly clientName?: string;
  readonly error?: InteractionError;
  readonly retryAfterSeconds?: number;
  readonly formActionSources?: readonly string[];
}

/** Username and password (autocomplete `username` / `current-password` so password managers work). */
export function loginPage(input: LoginPageInput): RenderedPage {
  const errorId = input.error ? 'login-error' : undefined;
  const page = renderPage({
    title: 'Sign in',
    status: statusFor(input.error),
    formActionSources: input.formActionSources ?? [],
    main: html`<h1>Sign in</h1>
${input.clientName ? html`<p>to continue to <strong>${input.clientName}</strong></p>` : ''}
${errorMessage('login-error', input.error && messageFor(input.error, input.retryAfterSeconds))}
<form method="post" action="${input.action}">
${csrfInput(input.csrfToken)}
${field({ id: 'username', name: 'username', label: 'Username', type: 'text', autocomplete: 'username', value: input.username ?? '', maxlength: 64, autocapitalize: 'none', autofocus: !input.username, ...(errorId && { errorId }) })}
${field({ id: 'password', name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', maxlength: 1024, autofocus: !!input.username, ...(errorId && { errorId }) })}
<button class="primary" type="submit">Sign in</button>
</form>`,
  });
  return withRetryAfter(page, input.error === 'throttled' ? input.retryAfterSeconds : undefined);
}

/** Adds `Retry-After` (RFC 9110 §10.2.3) to a throttled response. */
export function withRetryAfter(page: RenderedPage, seconds: number | undefined): RenderedPage {
  if (seconds === undefined) return page;
  return { ...page, headers: { ...page.headers, 'retry-after': String(Math.max(1, Math.ceil(seconds))) } };
}
