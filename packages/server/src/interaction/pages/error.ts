import { html } from '../html.js';
import { renderPage, type RenderedPage } from './layout.js';

export interface ErrorPageInput {
  /** 400 for bad requests (unknown client, redirect URI mismatch), 404, 500 … */
  readonly status: number;
  /** The RFC error code (`invalid_request`, `invalid_client`, …), shown for support. */
  readonly error: string;
  /** Client-safe description; never an operator detail or stack trace. */
  readonly description: string;
}

/**
 * The page for errors that must not be redirected to the client — above all an unknown `client_id`
 * or an unregistered `redirect_uri` (RFC 6749 §4.1.2.1, RFC 9700 §4.11.2: never an open redirector).
 */
export function errorPage(input: ErrorPageInput): RenderedPage {
  const status = Number.isInteger(input.status) && input.status >= 400 && input.status <= 599 ? input.status : 500;
  return renderPage({
    title: 'Something went wrong',
    status,
    main: html`<h1>Something went wrong</h1>
<p role="alert">${input.description}</p>
<p class="muted">Error code: <code>${input.error}</code></p>
<p class="muted">If this keeps happening, return to the application and start again.</p>`,
  });
}
