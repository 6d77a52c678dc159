import { html, safeHref } from '../html.js';
import { csrfInput } from './forms.js';
import { renderPage, type RenderedPage } from './layout.js';

export interface LogoutConfirmPageInput {
  readonly action: string;
  readonly csrfToken: string;
  /** Shown when an RP-initiated logout request named a client (OIDC RP-Initiated Logout §2). */
  readonly clientName?: string;
  readonly formActionSources?: readonly string[];
  /** Request parameters carried through the confirmation (validated again when it is posted). */
  readonly hidden?: Readonly<Record<string, string>>;
}

/**
 * Asks before ending the session: a cross-site GET to the logout endpoint must not sign anyone out on
 * its own (OIDC RP-Initiated Logout §2 lets the OP ask when `id_token_hint` is missing or doubtful).
 */
export function logoutConfirmPage(input: LogoutConfirmPageInput): RenderedPage {
  return renderPage({
    title: 'Sign out',
    formActionSources: input.formActionSources ?? [],
    main: html`<h1>Sign out?</h1>
${input.clientName ? html`<p>${input.clientName} asks to sign you out.</p>` : ''}
<form method="post" action="${input.action}">
${csrfInput(input.csrfToken)}
${Object.entries(input.hidden ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<div class="actions">
<button class="primary" type="submit" name="logout" value="yes">Sign out</button>
<button class="secondary" type="submit" name="logout" value="no">Stay signed in</button>
</div>
</form>`,
  });
}

/** Shown when there is no valid `post_logout_redirect_uri` to return to. */
export function loggedOutPage(input: { readonly returnTo?: string; readonly returnToName?: string } = {}): RenderedPage {
  const href = safeHref(input.returnTo);
  return renderPage({
    title: 'Signed out',
    main: html`<h1>You are signed out</h1>
<p>You can close this page.</p>
${href ? html`<p><a href="${href}">Return to ${input.returnToName ?? 'the application'}</a></p>` : ''}`,
  });
}
