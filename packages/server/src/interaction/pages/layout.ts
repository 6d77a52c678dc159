import { securityHeaders } from '../headers.js';
import { html, SafeHtml } from '../html.js';
import { PAGE_CSS, PAGE_CSS_HASH } from './styles.js';

/** A page ready to send: `reply.code(p.status).headers(p.headers).send(p.body)`. */
export interface RenderedPage {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface PageOptions {
  readonly title: string;
  readonly main: SafeHtml;
  readonly status?: number;
  /** Origins the page's form may end up at through redirects (see `SecurityHeaderOptions.formActionSources`). */
  readonly formActionSources?: readonly string[];
  /** Language of the page text (WCAG 3.1.1). */
  readonly lang?: string;
}

// `<style>` is a raw-text element: its content must be byte-identical to what PAGE_CSS_HASH covers,
// so it is inserted verbatim. PAGE_CSS is a constant of ours and contains no `</style`.
const STYLE = new SafeHtml(`<style>${PAGE_CSS}</style>`);

/** The shared layout: language, viewport, title, hashed stylesheet, one `<main>` landmark; no scripts. */
export function renderPage(options: PageOptions): RenderedPage {
  const body = html`<!doctype html>
<html lang="${options.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${options.title}</title>
${STYLE}
</head>
<body>
<main>
${options.main}
</main>
</body>
</html>
`;
  return {
    status: options.status ?? 200,
    headers: securityHeaders({ styleHashes: [PAGE_CSS_HASH], formActionSources: options.formActionSources ?? [] }),
    body: body.value,
  };
}
