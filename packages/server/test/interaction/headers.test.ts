import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, formActionSourceFor, securityHeaders } from '../../src/interaction/headers.js';

describe('security headers for interaction pages', () => {
  const headers = securityHeaders({ styleHashes: ["'sha256-abc='"] });

  it("forbids framing with CSP frame-ancestors 'none' and X-Frame-Options DENY (RFC 9700 §4.16)", () => {
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-frame-options']).toBe('DENY');
  });

  it('allows no scripts, only the hashed style, and forms to self', () => {
    expect(headers['content-security-policy']).toBe(
      "default-src 'none'; style-src 'sha256-abc='; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
  });

  it('sends nosniff, a same-origin referrer policy and no-store', () => {
    expect(headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'cache-control': 'no-store',
      'content-type': 'text/html; charset=utf-8',
    });
  });

  it('adds a redirect URI origin to form-action so the final 303 to the client is not blocked', () => {
    const source = formActionSourceFor('https://app.example:8443/cb?x=1');
    expect(source).toBe('https://app.example:8443');
    expect(contentSecurityPolicy({ styleHashes: [], formActionSources: [source!] })).toContain("form-action 'self' https://app.example:8443;");
  });

  it('RFC 8252 §7.1: a private-use URI scheme redirect becomes a scheme source; script-capable schemes never do', () => {
    expect(formActionSourceFor('com.example.app:/callback')).toBe('com.example.app:');
    expect(contentSecurityPolicy({ styleHashes: [], formActionSources: ['com.example.app:'] })).toContain("form-action 'self' com.example.app:;");
    expect(formActionSourceFor('javascript:alert(1)')).toBeUndefined();
    expect(formActionSourceFor('data:text/html,x')).toBeUndefined();
    expect(formActionSourceFor('not a url')).toBeUndefined();
  });

  it('adds script-src only for the given hashes', () => {
    expect(contentSecurityPolicy({ styleHashes: [] })).not.toContain('script-src');
    expect(contentSecurityPolicy({ styleHashes: [], scriptHashes: ["'sha256-abc='"] })).toContain("script-src 'sha256-abc='");
    expect(() => contentSecurityPolicy({ styleHashes: [], scriptHashes: ["'unsafe-inline'"] })).toThrow(RangeError);
  });

  it.each(["https://a.example; script-src *", "'unsafe-inline'", '*', 'https://a.example/path', 'https:x', 'a b:'])('refuses the injected CSP source %j', (source) => {
    expect(() => contentSecurityPolicy({ styleHashes: [], formActionSources: [source] })).toThrow(RangeError);
  });
});
