import { describe, expect, it } from 'vitest';
import { RawParams } from '../../src/authorize/params.js';
import { redirectUriMatches } from '../../src/authorize/redirect-uri.js';

describe('redirect URI matching (RFC 9700 §2.1 exact match; RFC 8252 §7.3 loopback port)', () => {
  it.each([
    ['https://app.example/cb', 'https://app.example/cb', true],
    ['https://app.example/cb', 'https://app.example/cb/', false],
    ['https://app.example/cb', 'https://app.example/CB', false],
    ['https://app.example/cb', 'https://app.example:443/cb', false],
    ['https://app.example/cb?a=1', 'https://app.example/cb?a=1', true],
    ['https://app.example/cb?a=1', 'https://app.example/cb?a=2', false],
    ['http://127.0.0.1/cb', 'http://127.0.0.1:8080/cb', true],
    ['http://127.0.0.1:1234/cb', 'http://127.0.0.1:8080/cb', true],
    ['http://127.0.0.1/cb', 'http://127.0.0.1:8080/cb2', false],
    ['http://127.0.0.1/cb', 'http://127.0.0.1:65536/cb', false],
    ['http://127.0.0.1/cb', 'http://[::1]:8080/cb', false],
    ['http://[::1]/cb', 'http://[::1]:8080/cb', true],
    ['http://localhost/cb', 'http://localhost:8080/cb', false],
    ['http://127.0.0.1/cb', 'http://127.0.0.1:8080/cb#x', false],
    ['http://127.0.0.1/cb', 'http://127.0.0.1.evil.example:8080/cb', false],
    ['com.example.app:/oauth', 'com.example.app:/oauth', true],
    ['com.example.app:/oauth', 'com.example.app://oauth', false],
  ])('%s vs %s → %s', (registered, requested, expected) => {
    expect(redirectUriMatches(registered, requested)).toBe(expected);
  });
});

describe('authorization request parameters', () => {
  it('RFC 6749 §3.1: empty values are absent, repeats are visible, resource may repeat', () => {
    const params = RawParams.parse('a=&b=1&c=2&c=3&resource=x&resource=y&d');
    expect(params.get('a')).toBeUndefined();
    expect(params.get('b')).toBe('1');
    expect(params.get('c')).toBeUndefined();
    expect(params.isRepeated('c')).toBe(true);
    expect(params.repeatedNames(['resource'])).toEqual(['c']);
    expect(params.all('resource')).toEqual(['x', 'y']);
    expect(params.get('d')).toBeUndefined();
  });

  it('decodes + as space and refuses malformed escapes and non-UTF-8 bodies', () => {
    expect(RawParams.parse('scope=openid+profile').get('scope')).toBe('openid profile');
    expect(() => RawParams.parse('a=%zz')).toThrow(/percent-encoding/);
    expect(() => RawParams.parseBody(Buffer.from([0x61, 0x3d, 0xff]))).toThrow(/UTF-8/);
    expect(RawParams.parse('__proto__=x&constructor=y').get('__proto__')).toBe('x');
  });
});
