import { html, safeHref } from '../html.js';
import { csrfInput } from './forms.js';
import { renderPage, type RenderedPage } from './layout.js';

/** Plain-language descriptions of the OpenID Connect scopes (OIDC Core §5.4) and `offline_access` (§11). */
export const STANDARD_SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = Object.freeze({
  openid: 'Confirm who you are (your user id)',
  profile: 'See your name and username',
  email: 'See your email address and whether it is verified',
  offline_access: 'Stay signed in and act for you while you are away',
});

export interface ConsentScope {
  readonly name: string;
  /** Shown to the user; falls back to the standard description, then to a generic line. */
  readonly description?: string;
}

export interface ConsentPageInput {
  readonly action: string;
  readonly csrfToken: string;
  readonly client: { readonly name: string; readonly uri?: string; readonly policyUri?: string; readonly tosUri?: string };
  readonly scopes: readonly ConsentScope[];
  /** RFC 8707 resource indicators (APIs) the access would be for, when the request named any. */
  readonly resources?: readonly string[];
  /** The signed-in user, so someone on a shared computer notices the wrong account. */
  readonly username: string;
  readonly formActionSources?: readonly string[];
}

/**
 * Consent: who asks (the registered client name, never a name from the request), for what, as whom.
 * Approve and deny are two submit buttons of one form, posting `decision=approve|deny`.
 */
export function consentPage(input: ConsentPageInput): RenderedPage {
  const clientHref = safeHref(input.client.uri);
  const policy = safeHref(input.client.policyUri);
  const tos = safeHref(input.client.tosUri);
  const name = clientHref ? html`<a href="${clientHref}" rel="noopener noreferrer">${input.client.name}</a>` : html`<strong>${input.client.name}</strong>`;
  const items = input.scopes.map(
    (s) => html`<li><strong>${s.description ?? STANDARD_SCOPE_DESCRIPTIONS[s.name] ?? 'Access to'}</strong>${
      s.description || STANDARD_SCOPE_DESCRIPTIONS[s.name] ? '' : html` <code>${s.name}</code>`}</li>`,
  );
  return renderPage({
    title: `Allow ${input.client.name}?`,
    formActionSources: input.formActionSources ?? [],
    main: html`<h1>Allow ${name} to access your account?</h1>
<p class="muted">Signed in as <strong>${input.username}</strong></p>
<p id="scopes-heading">${input.client.name} will be able to:</p>
<ul class="scopes" aria-labelledby="scopes-heading">${items}</ul>
${input.resources && input.resources.length > 0 ? html`<p id="resources-heading">at:</p>
<ul class="scopes" aria-labelledby="resources-heading">${input.resources.map((r) => html`<li><code>${r}</code></li>`)}</ul>` : ''}
${policy || tos ? html`<p class="muted">${policy ? html`<a href="${policy}" rel="noopener noreferrer">Privacy policy</a> ` : ''}${tos ? html`<a href="${tos}" rel="noopener noreferrer">Terms of service</a>` : ''}</p>` : ''}
<form method="post" action="${input.action}">
${csrfInput(input.csrfToken)}
<div class="actions">
<button class="primary" type="submit" name="decision" value="approve">Allow</button>
<button class="secondary" type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`,
  });
}
