import { describe, expect, it } from 'vitest';
import { createGuard, type GuardOptions } from '../src/index.js';
import { AUDIENCE, ISSUER } from './helpers.js';

const base: GuardOptions = { issuer: ISSUER, audience: AUDIENCE };

describe('createGuard validates its options at construction (STYLE A11)', () => {
  it.each<[string, Partial<GuardOptions> | Record<string, unknown>]>([
    ['a missing issuer', { issuer: undefined }],
    ['an issuer that is not a URL', { issuer: 'as.example.com' }],
    ['an http issuer that is not loopback', { issuer: 'http://as.example.com' }],
    ['an issuer with a query (RFC 8414 §2)', { issuer: 'https://as.example.com/?a=1' }],
    ['an issuer with a fragment', { issuer: 'https://as.example.com/#x' }],
    ['an empty audience', { audience: '' }],
    ['an empty algorithm list', { algorithms: [] }],
    ['HS256 in the algorithm list (RFC 8725 §3.2)', { algorithms: ['HS256'] }],
    ['alg none in the algorithm list', { algorithms: ['none'] }],
    ['a negative clock tolerance', { clockTolerance: -1 }],
    ['a clock tolerance over 300 s', { clockTolerance: 3600 }],
    ['a fractional cooldown', { jwks: { cooldown: 1.5 } }],
    ['introspection without a client secret', { introspection: { clientId: 'a', clientSecret: '' } }],
    ['a non-function fetch', { fetch: 'no' }],
    ['a non-function clock', { now: 5 }],
    ['an http jwks_uri for an https issuer', { metadata: { jwksUri: 'http://as.example.com/jwks' } }],
    ['an empty device id claim', { denyList: { deviceIdClaim: '' } }],
  ])('throws a TypeError for %s', (_name, patch) => {
    expect(() => createGuard({ ...base, ...patch } as GuardOptions)).toThrow(TypeError);
  });

  it('accepts the minimal options and an http issuer on loopback (development)', () => {
    expect(createGuard(base).realm).toBe(AUDIENCE);
    expect(() => createGuard({ ...base, issuer: 'http://127.0.0.1:8080' })).not.toThrow();
    expect(() => createGuard({ ...base, issuer: 'http://localhost:8080/tenant' })).not.toThrow();
  });

  it('does not touch the network at construction', () => {
    let calls = 0;
    createGuard({ ...base, fetch: async () => { calls++; throw new Error('no'); } });
    expect(calls).toBe(0);
  });
});
