import { describe, expect, it, vi } from 'vitest';
import { createMemoryStorage } from '@tessera/store';
import { ConfigError, createTessera } from '../src/index.js';
import { ISSUER } from './helpers.js';

const config = { issuer: ISSUER, dev: true, store: { kind: 'memory' as const }, keys: { masterKey: Buffer.alloc(32, 9) }, server: { port: 0, logLevel: 'silent' as const } };

describe('createTessera', () => {
  it('fails fast on a bad configuration, before opening anything', async () => {
    await expect(createTessera({ config: { ...config, issuer: 'http://evil.example?x' } })).rejects.toBeInstanceOf(ConfigError);
  });

  it('refuses a master key that is not 32 bytes', async () => {
    await expect(createTessera({ config: { ...config, keys: { masterKey: 'c2hvcnQ' } } })).rejects.toThrow();
  });

  it('listens on a real port, answers over HTTP and closes (idempotently)', async () => {
    const tessera = await createTessera({ config });
    const url = await tessera.listen();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/.well-known/oauth-authorization-server`);
    expect(((await res.json()) as { issuer: string }).issuer).toBe(ISSUER);
    await tessera.close();
    await tessera.close();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('leaves an injected storage open for its owner to close', async () => {
    const storage = createMemoryStorage();
    const close = vi.spyOn(storage, 'close');
    const tessera = await createTessera({ config, storage });
    await tessera.close();
    expect(close).not.toHaveBeenCalled();
    await storage.close();
  });

  it('lets later features register routes on app before the first request', async () => {
    const tessera = await createTessera({ config });
    try {
      tessera.app.get('/extra', () => ({ extra: true }));
      expect((await tessera.app.inject({ method: 'GET', url: '/extra' })).json()).toEqual({ extra: true });
    } finally {
      await tessera.close();
    }
  });

  it('does not expose the master key on tessera.config', async () => {
    const tessera = await createTessera({ config });
    try {
      expect(tessera.config.keys).not.toHaveProperty('masterKey');
      expect(JSON.stringify(tessera.config)).not.toContain(Buffer.alloc(32, 9).toString('base64'));
      expect(tessera.config.keys.accessTokenAlg).toBe('ES256');
    } finally {
      await tessera.close();
    }
  });
});
