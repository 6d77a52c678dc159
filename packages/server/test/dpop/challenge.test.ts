import { describe, expect, it } from 'vitest';
import { quoteParam, tokenChallenge } from '../../src/dpop/challenge.js';

describe('WWW-Authenticate challenges for access tokens', () => {
  it('RFC 6750 §3: without credentials the challenge is the scheme and realm only, no error code', () => {
    expect(tokenChallenge('Bearer', { realm: 'tessera' })).toBe('Bearer realm="tessera"');
    expect(tokenChallenge('Bearer')).toBe('Bearer');
  });

  it('RFC 6750 §3: realm, error, error_description and scope in that order, each a quoted string, comma-separated', () => {
    expect(tokenChallenge('Bearer', { scope: 'openid', error_description: 'needs openid', error: 'insufficient_scope', realm: 'r' }))
      .toBe('Bearer realm="r", error="insufficient_scope", error_description="needs openid", scope="openid"');
  });

  it('RFC 9449 §7.1: the DPoP scheme carries algs after the error', () => {
    expect(tokenChallenge('DPoP', { algs: 'ES256 EdDSA', error: 'invalid_dpop_proof' })).toBe('DPoP error="invalid_dpop_proof", algs="ES256 EdDSA"');
  });

  it('RFC 9110 §5.6.4: a " or \\ inside a value is escaped as a quoted pair and cannot end the string early', () => {
    expect(quoteParam('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"');
    const header = tokenChallenge('Bearer', { realm: 'a", error="forged', error_description: 'x\\' });
    expect(header).toBe('Bearer realm="a\\", error=\\"forged", error_description="x\\\\"');
    // Unescaping the quoted strings gives back exactly two parameters with the original values.
    const params = [...header.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]!.replace(/\\(.)/g, '$1')]);
    expect(params).toEqual([['realm', 'a", error="forged'], ['error_description', 'x\\']]);
  });

  it('RFC 6750 §3: characters outside %x20-7E (CR, LF, non-ASCII) never reach the header', () => {
    const header = tokenChallenge('Bearer', { error_description: 'bad\r\nSet-Cookie: x=1 — é' });
    expect(header).toBe('Bearer error_description="bad??Set-Cookie: x=1 ? ?"');
    expect(header).toMatch(/^[\x20-\x7e]+$/);
  });
});
