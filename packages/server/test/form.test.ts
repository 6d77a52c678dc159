import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../src/errors.js';
import { parseForm } from '../src/http/form.js';
import { parseBasicCredentials } from '../src/client-auth/basic.js';

const none = new Set<string>();
const parse = (text: string | Buffer, repeatable = none) => parseForm(Buffer.isBuffer(text) ? text : Buffer.from(text), repeatable);

function errorOf(fn: () => unknown): OAuthError {
  try {
    fn();
  } catch (error) {
    if (error instanceof OAuthError) return error;
    throw error;
  }
  throw new Error('expected an OAuthError');
}

describe('form parsing (application/x-www-form-urlencoded)', () => {
  it('decodes + as space and percent-escapes as UTF-8', () => {
    const params = parse('scope=read+write&name=J%C3%BCrgen%20%2B1');
    expect(params.get('scope')).toBe('read write');
    expect(params.get('name')).toBe('Jürgen +1');
  });

  it('treats parameters without a value as omitted (RFC 6749 §3.1)', () => {
    const params = parse('scope=&grant_type&&x=1');
    expect(params.get('scope')).toBeUndefined();
    expect(params.get('grant_type')).toBeUndefined();
    expect(params.get('x')).toBe('1');
  });

  it('rejects a repeated parameter (RFC 6749 §3.1: "MUST NOT be included more than once")', () => {
    const error = errorOf(() => parse('a=1&b=2&a=3'));
    expect(error.code).toBe('invalid_request');
    expect(error.description).toContain('"a"');
  });

  it('rejects a parameter repeated with an empty value too', () => {
    expect(errorOf(() => parse('a=1&a=')).code).toBe('invalid_request');
  });

  it('keeps every value of a declared repeatable parameter, in order (RFC 8707 §2)', () => {
    const params = parse('resource=a&x=1&resource=b', new Set(['resource']));
    expect(params.all('resource')).toEqual(['a', 'b']);
    expect(params.repeatedNames()).toEqual(['resource']);
  });

  it('rejects bytes that are not UTF-8 (RFC 8725 §3.7)', () => {
    expect(errorOf(() => parse(Buffer.from([0x61, 0x3d, 0xff]))).code).toBe('invalid_request');
  });

  it('rejects malformed percent-escapes and escapes of invalid UTF-8', () => {
    for (const body of ['a=%', 'a=%4', 'a=%gg', 'a=%C3%28', 'a=%ED%A0%80', '%zz=1']) {
      expect(errorOf(() => parse(body)).code).toBe('invalid_request');
    }
  });

  it('treats __proto__ and constructor as ordinary names', () => {
    const params = parse('__proto__=x&constructor=y');
    expect(params.get('__proto__')).toBe('x');
    expect(params.get('constructor')).toBe('y');
    expect(parse('a=1').get('toString')).toBeUndefined();
  });

  it('round-trips any set of distinct names and values encoded by URLSearchParams (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), { maxKeys: 8 }), (record) => {
        const body = new URLSearchParams(Object.entries(record)).toString();
        const params = parse(body);
        for (const [name, value] of Object.entries(record)) expect(params.get(name)).toBe(value);
      }),
    );
  });
});

describe('HTTP Basic client credentials (RFC 6749 §2.3.1)', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('form-urlencode-decodes the id and the secret', () => {
    expect(parseBasicCredentials(b64('my%20client:p%3Ass%25w+rd'))).toEqual({ clientId: 'my client', clientSecret: 'p:ss%w rd' });
  });

  it('splits at the first colon only', () => {
    expect(parseBasicCredentials(b64('id:a:b'))).toEqual({ clientId: 'id', clientSecret: 'a:b' });
  });

  it('refuses malformed values', () => {
    for (const token of ['', '!!!!', 'YWJj=', b64('nocolon'), b64(':secret'), b64('id:'), b64('id%zz:x'), Buffer.from([0xff, 0x3a, 0x61]).toString('base64')]) {
      expect(parseBasicCredentials(token)).toBeUndefined();
    }
  });
});
