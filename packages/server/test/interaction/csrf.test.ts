import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCsrfProtection, isCrossSiteRequest } from '../../src/interaction/csrf.js';

const csrf = createCsrfProtection(randomBytes(32));

describe('CSRF tokens bound to the interaction (OWASP CSRF Prevention Cheat Sheet)', () => {
  it('accepts a token issued for the same interaction', () => {
    expect(csrf.verify('interaction-1', csrf.issue('interaction-1'))).toBe(true);
  });

  it('rejects a token issued for another interaction', () => {
    expect(csrf.verify('interaction-2', csrf.issue('interaction-1'))).toBe(false);
  });

  it('rejects a token made with another key', () => {
    const other = createCsrfProtection(randomBytes(32));
    expect(csrf.verify('interaction-1', other.issue('interaction-1'))).toBe(false);
  });

  it('rejects a token whose nonce or MAC was altered', () => {
    const token = csrf.issue('i');
    const [nonce, mac] = token.split('.') as [string, string];
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    expect(csrf.verify('i', `${flip(nonce)}.${mac}`)).toBe(false);
    expect(csrf.verify('i', `${nonce}.${flip(mac)}`)).toBe(false);
    expect(csrf.verify('i', `${nonce}.${mac.slice(0, -2)}`)).toBe(false);
  });

  it.each([[undefined], [null], [''], ['.'], ['a.b.c'], [['x', 'y']], [{}], ['x'.repeat(500)]])('rejects the malformed token %j', (token) => {
    expect(csrf.verify('i', token)).toBe(false);
  });

  it('issues a different token each time (per-form nonce)', () => {
    expect(csrf.issue('i')).not.toBe(csrf.issue('i'));
  });

  it('rejects an empty binding id and a short key', () => {
    expect(csrf.verify('', csrf.issue('i'))).toBe(false);
    expect(() => csrf.issue('')).toThrow(RangeError);
    expect(() => createCsrfProtection(randomBytes(16))).toThrow(RangeError);
  });
});

describe('Fetch Metadata / Origin check', () => {
  const issuer = 'https://id.example.com';
  it.each([
    [{ 'sec-fetch-site': 'cross-site' }, true],
    [{ 'sec-fetch-site': 'same-site' }, true],
    [{ origin: 'https://evil.example' }, true],
    [{ origin: 'null' }, true],
    [{ 'sec-fetch-site': 'same-origin', origin: issuer }, false],
    [{ 'sec-fetch-site': 'none' }, false],
    // Chrome under Referrer-Policy no-referrer: Origin null on a same-origin post; Fetch Metadata decides.
    [{ 'sec-fetch-site': 'same-origin', origin: 'null' }, false],
    [{ 'sec-fetch-site': 'cross-site', origin: issuer }, true],
    [{}, false],
  ])('treats %j as cross-site: %s', (headers, expected) => {
    expect(isCrossSiteRequest(headers, issuer)).toBe(expected);
  });
});
