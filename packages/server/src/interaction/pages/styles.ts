import { createHash } from 'node:crypto';

/**
 * The one stylesheet of every interaction page, inlined as a `<style>` element and allowed by its
 * hash in the CSP (no `'unsafe-inline'`, no extra route to serve). Plain system fonts, high contrast,
 * visible focus, works at 320 px wide and 400 % zoom.
 */
export const PAGE_CSS = `
:root{color-scheme:light dark;--fg:#111;--bg:#fff;--muted:#555;--accent:#0b57d0;--error:#b3261e;--border:#767676}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#121212;--muted:#bbb;--accent:#8ab4f8;--error:#f2b8b5;--border:#8e8e8e}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:26rem;margin:3rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 1rem}
p.hint,.muted{color:var(--muted)}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input[type=text],input[type=password]{width:100%;padding:.6rem;font:inherit;color:inherit;background:transparent;border:1px solid var(--border);border-radius:.25rem}
input[aria-invalid=true]{border-color:var(--error);border-width:2px}
button{margin-top:1.25rem;padding:.6rem 1.2rem;font:inherit;font-weight:600;border-radius:.25rem;border:1px solid var(--accent);cursor:pointer}
button.primary{background:var(--accent);color:var(--bg)}
button.secondary{background:transparent;color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.error{color:var(--error);font-weight:600}
.secret{font-family:ui-monospace,monospace;font-size:1.1rem;letter-spacing:.1em;word-break:break-all}
code{word-break:break-all}
ul.scopes{padding-left:1.2rem}
ul.scopes li{margin:.5rem 0}
.actions{display:flex;gap:.75rem;flex-wrap:wrap}
.qr{display:block;width:100%;max-width:16rem;height:auto;background:#fff;padding:.5rem}
`.trim();

/** `'sha256-…'` CSP source for {@link PAGE_CSS}. */
export const PAGE_CSS_HASH = `'sha256-${createHash('sha256').update(PAGE_CSS, 'utf8').digest('base64')}'`;
