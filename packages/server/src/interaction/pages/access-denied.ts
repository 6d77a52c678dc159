import { html, safeHref } from '../html.js';
import { renderPage, type RenderedPage } from './layout.js';

export interface AccessDeniedPageInput {
  /** Stable reason code from the access policy (`device_not_compliant`, …), shown for support. */
  readonly reason: string;
  /** What is wrong, in plain words. */
  readonly message: string;
  /** What the person can do about it. */
  readonly remediation?: string;
  readonly clientName: string;
  /** The client's redirect URI carrying `error=access_denied`: the way back, so the application learns the outcome. */
  readonly returnTo?: string;
}

/**
 * The access policy refused (issue 5): tell the person why and what to fix, then let them return to
 * the application, which receives a normal `access_denied` authorization response.
 */
export function accessDeniedPage(input: AccessDeniedPageInput): RenderedPage {
  const back = safeHref(input.returnTo);
  return renderPage({
    title: 'Access not allowed',
    status: 403,
    main: html`<h1>Access not allowed</h1>
<p role="alert">${input.message}</p>
${input.remediation ? html`<p><strong>What to do:</strong> ${input.remediation}</p>` : ''}
<p class="muted">Reason code: <code>${input.reason}</code></p>
${back ? html`<p><a href="${back}">Return to ${input.clientName}</a></p>` : ''}`,
  });
}
