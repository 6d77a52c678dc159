import { describe, expect, it } from 'vitest';
import { clearCookie, cookieSecurityFor, readCookie, serializeCookie } from '../../src/interaction/cookies.js';

const prod = cookieSecurityFor('https://id.example.com');
const dev = cookieSecurityFor('http://localhost:3000');

describe('interaction cookies (RFC 6265bis)', () => {
  it('uses the __Host- prefix with Secure, HttpOnly, SameSite=Lax, Path=/ and no Domain for an https issuer', () => {
    const header = serializeCookie('tessera_session', 'abc_DEF-123', prod, { maxAgeSeconds: 3600 });
    expect(header).toBe('__Host-tessera_session=abc_DEF-123; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax');
    expect(header).not.toMatch(/Domain=/i);
  });

  it('drops Secure and the prefix only for an http://localhost issuer (development)', () => {
    expect(serializeCookie('tessera_session', 'v', dev)).toBe('tessera_session=v; Path=/; HttpOnly; SameSite=Lax');
    expect(cookieSecurityFor('http://127.0.0.1:8080')).toEqual({ secure: false, prefix: '' });
    expect(cookieSecurityFor('http://[::1]:8080')).toEqual({ secure: false, prefix: '' });
  });

  it('refuses a plain-http issuer that is not loopback', () => {
    expect(() => cookieSecurityFor('http://id.example.com')).toThrow('must use https');
    expect(() => cookieSecurityFor('http://localhost.evil.example')).toThrow('must use https');
  });

  it.each(['a;b', 'a b', 'a,b', 'a"b', 'a\\b', 'a\nb'])('refuses the cookie value %j (header injection)', (value) => {
    expect(() => serializeCookie('x', value, prod)).toThrow(RangeError);
  });

  it('refuses an invalid cookie name', () => {
    expect(() => serializeCookie('bad name', 'v', prod)).toThrow(RangeError);
  });

  it('clears a cookie with the same attributes and Max-Age=0', () => {
    expect(clearCookie('tessera_session', prod)).toBe('__Host-tessera_session=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax');
  });

  it('reads the prefixed cookie only, first occurrence winning, ignoring an unprefixed twin', () => {
    const header = 'tessera_session=planted; __Host-tessera_session=real; __Host-tessera_session=second';
    expect(readCookie(header, 'tessera_session', prod)).toBe('real');
    expect(readCookie(header, 'tessera_session', dev)).toBe('planted');
  });

  it('returns undefined, never throws, for malformed or missing cookies', () => {
    expect(readCookie(undefined, 'a', prod)).toBeUndefined();
    expect(readCookie('garbage;;==;', 'a', dev)).toBeUndefined();
    expect(readCookie('a="quoted"', 'a', dev)).toBeUndefined();
    expect(readCookie(`a=${'x'.repeat(20_000)}`, 'a', dev)).toBeUndefined();
  });
});
