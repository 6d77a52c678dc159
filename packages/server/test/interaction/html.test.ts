import { describe, expect, it } from 'vitest';
import { escapeHtml, html, safeHref } from '../../src/interaction/html.js';

const payloads = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)",
  '</title><script>alert(1)</script>',
  '&lt;already-escaped&gt;',
];

describe('HTML templates escape by default', () => {
  it.each(payloads)('escapes %j in element content and quoted attributes', (payload) => {
    const out = html`<p title="${payload}">${payload}</p>`.value;
    expect(out).not.toMatch(/<script|<img|'/);
    expect(out.match(/"/g)).toHaveLength(2); // only the template's own quotes survive
    expect(out).toBe(`<p title="${escapeHtml(payload)}">${escapeHtml(payload)}</p>`);
  });

  it('escapes the five significant characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('keeps nested templates and arrays of templates as markup, escaping their values', () => {
    const items = ['a<b', 'c&d'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>`.value).toBe('<ul><li>a&lt;b</li><li>c&amp;d</li></ul>');
  });

  it('renders nothing for null, undefined and false, and numbers as text', () => {
    expect(html`${null}${undefined}${false}${0}${true}`.value).toBe('0true');
  });

  it('does not treat look-alike objects as trusted markup', () => {
    const fake = { value: '<script>', toString: () => '<script>' } as unknown as string;
    expect(html`${fake}`.value).toBe('&lt;script&gt;');
  });

  it.each([
    ['javascript:alert(1)', undefined],
    ['JaVaScRiPt:alert(1)', undefined],
    ['data:text/html,<script>', undefined],
    ['/relative', undefined],
    ['not a url', undefined],
    ['https://app.example/privacy', 'https://app.example/privacy'],
  ])('accepts only absolute http(s) URLs as href: %j', (url, expected) => {
    expect(safeHref(url)).toBe(expected);
  });
});
