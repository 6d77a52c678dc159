import { createHash } from 'node:crypto';
import { securityHeaders } from '../headers.js';
import { html, SafeHtml } from '../html.js';
import type { RenderedPage } from './layout.js';
import { PAGE_CSS, PAGE_CSS_HASH } from './styles.js';

// The one inline script of Tessera, allowed by its hash (no 'unsafe-inline'). Without JavaScript the
// visible button does the same.
const SUBMIT_SCRIPT = 'document.forms[0].submit();';
const SUBMIT_SCRIPT_HASH = `'sha256-${createHash('sha256').update(SUBMIT_SCRIPT, 'utf8').digest('base64')}'`;
const STYLE = new SafeHtml(`<style>${PAGE_CSS}</style>`);
const SCRIPT = new SafeHtml(`<script>${SUBMIT_SCRIPT}</script>`);

/**
 * OAuth 2.0 Form Post Response Mode: the authorization response as an HTML form that the browser
 * posts to the client's redirect URI (parameters in the body, never in the URL or Referer).
 * `formActionSource` is the redirect URI's origin, which the CSP `form-action` must allow.
 */
export function formPostPage(input: { readonly action: string; readonly params: Readonly<Record<string, string>>; readonly formActionSource?: string }): RenderedPage {
  const fields = Object.entries(input.params).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  const body = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Continue</title>
${STYLE}
</head>
<body>
<main>
<form method="post" action="${input.action}">
${fields}
<p>Returning you to the application…</p>
<button class="primary" type="submit">Continue</button>
</form>
</main>
${SCRIPT}
</body>
</html>
`;
  return {
    status: 200,
    headers: securityHeaders({
      styleHashes: [PAGE_CSS_HASH],
      scriptHashes: [SUBMIT_SCRIPT_HASH],
      formActionSources: input.formActionSource ? [input.formActionSource] : [],
    }),
    body: body.value,
  };
}
