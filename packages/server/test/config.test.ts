import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../src/config/index.js';

const base = { issuer: 'https://auth.example.com', store: { kind: 'sqlite', filename: ':memory:' }, keys: { masterKey: Buffer.alloc(32) } };

function problems(input: unknown): string {
  try {
    resolveConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('fills every default', () => {
    const config = resolveConfig(base);
    expect(config.server).toEqual({ host: '127.0.0.1', port: 3000, bodyLimit: 65_536, trustProxy: false, batchWrites: true, logLevel: 'info' });
    expect(config.keys).toMatchObject({ accessTokenAlg: 'ES256', rotationPeriod: 2_592_000, publishAhead: 86_400, retainAfterRetire: 172_800, jwksCacheMaxAge: 600 });
    expect(config.ttl).toEqual({ accessTokenDefault: 3600, accessTokenMax: 86_400 });
    expect(config.operations).toEqual({ pruneInterval: 300, clientCacheTtl: 5 });
  });

  it('accepts durations as seconds or with units', () => {
    const config = resolveConfig({ ...base, keys: { ...base.keys, rotationPeriod: '7d', publishAhead: '12h', jwksCacheMaxAge: '5m' } });
    expect(config.keys).toMatchObject({ rotationPeriod: 604_800, publishAhead: 43_200, jwksCacheMaxAge: 300 });
  });

  it('normalises the issuer without a trailing slash', () => {
    expect(resolveConfig({ ...base, issuer: 'https://auth.example.com/tenant/' }).issuer).toBe('https://auth.example.com/tenant');
  });

  it('requires an issuer without query or fragment (RFC 8414 §2)', () => {
    expect(problems({ ...base, issuer: 'https://a.example?x=1' })).toContain('query or fragment');
    expect(problems({ ...base, issuer: 'https://a.example#f' })).toContain('query or fragment');
    expect(problems({ ...base, issuer: 'not a url' })).toContain('not an absolute URL');
    expect(problems({ ...base, issuer: undefined })).toContain('issuer');
  });

  it('allows http only for localhost', () => {
    expect(resolveConfig({ ...base, issuer: 'http://localhost:3000' }).issuer).toBe('http://localhost:3000');
    expect(resolveConfig({ ...base, issuer: 'http://127.0.0.1:8080' }).issuer).toBe('http://127.0.0.1:8080');
    expect(problems({ ...base, issuer: 'http://auth.example.com' })).toContain('https');
  });

  it('requires keys to be published at least as long as the JWKS may be cached', () => {
    expect(problems({ ...base, keys: { ...base.keys, publishAhead: 60, jwksCacheMaxAge: 600 } })).toContain('keys.publishAhead');
  });

  it('requires retired keys to outlive the longest access token', () => {
    expect(problems({ ...base, keys: { ...base.keys, retainAfterRetire: '1h' }, ttl: { accessTokenMax: '2h' } })).toContain('keys.retainAfterRetire');
  });

  it('refuses the memory store outside dev mode', () => {
    expect(problems({ ...base, store: { kind: 'memory' } })).toContain('memory store');
    expect(resolveConfig({ ...base, dev: true, store: { kind: 'memory' } }).store.kind).toBe('memory');
  });

  it('lists every problem at once, with its path', () => {
    const message = problems({ issuer: 'ftp://x', store: { kind: 'mysql' }, keys: {}, server: { port: 70_000, bodyLimit: 'big' } });
    for (const path of ['issuer', 'store', 'keys.masterKey', 'server.port', 'server.bodyLimit']) expect(message).toContain(path);
  });

  it('rejects malformed durations with a readable message', () => {
    expect(problems({ ...base, operations: { pruneInterval: '5 weeks' } })).toContain('is not a duration');
  });
});
