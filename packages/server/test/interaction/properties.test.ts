import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode } from '../../src/accounts/base32.js';
import { openSecret, sealSecret } from '../../src/accounts/secret-box.js';
import { readCookie, serializeCookie, cookieSecurityFor } from '../../src/interaction/cookies.js';
import { createCsrfProtection } from '../../src/interaction/csrf.js';
import { html } from '../../src/interaction/html.js';

describe('properties', () => {
  it('base32 decoding inverts encoding for any bytes (RFC 4648 §6)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      expect(base32Decode(base32Encode(bytes))).toEqual(Buffer.from(bytes));
    }));
  });

  it('no interpolated string can open a tag or leave a quoted attribute', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const out = html`<p title="${s}">${s}</p>`.value;
      const inner = out.slice('<p title="'.length, -'</p>'.length);
      expect(inner.replace('">', '')).not.toMatch(/[<>"']/);
    }));
  });

  it('a CSRF token verifies for its binding id and for no other', () => {
    const csrf = createCsrfProtection(randomBytes(32));
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
      const token = csrf.issue(a);
      expect(csrf.verify(a, token)).toBe(true);
      if (a !== b) expect(csrf.verify(b, token)).toBe(false);
    }));
  });

  it('a sealed secret opens only with its context', () => {
    const key = randomBytes(32);
    fc.assert(fc.property(fc.string(), fc.string(), (secret, context) => {
      const sealed = sealSecret(secret, key, context);
      expect(openSecret(sealed, key, context)).toBe(secret);
      expect(() => openSecret(sealed, key, `${context}x`)).toThrow();
    }), { numRuns: 50 });
  });

  it('any base64url cookie value survives serialize → read', () => {
    const security = cookieSecurityFor('https://id.example');
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
      const value = Buffer.from(bytes).toString('base64url');
      const setCookie = serializeCookie('s', value, security);
      const sent = setCookie.split(';')[0]!;
      expect(readCookie(`other=1; ${sent}`, 's', security)).toBe(value);
    }));
  });
});
