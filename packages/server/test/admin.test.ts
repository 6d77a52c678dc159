import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '@tessera/store';
import { hashSecret } from '@tessera/token';
import { createAdmin } from '../src/index.js';
import { JWT_API, rejection, T0 } from './helpers.js';

function admin() {
  const storage = createMemoryStorage();
  const changes: string[] = [];
  const api = createAdmin(storage, { now: () => T0, onChange: (kind, id) => changes.push(`${kind}:${id}`) });
  return { storage, api, changes };
}


describe('admin: clients', () => {
  it('generates a 256-bit secret, returns it once and stores only its SHA-256 (C-56)', async () => {
    const { storage, api } = admin();
    await api.createResource({ id: JWT_API, scopes: ['read'] });
    const { client, clientSecret } = await api.createClient({ name: 'svc', scopes: ['read'], resources: [JWT_API] });
    expect(clientSecret).toMatch(/^tcs_[A-Za-z0-9_-]{43}$/);
    const stored = await storage.clients.get(client.clientId);
    expect(stored).toMatchObject({
      name: 'svc',
      secretHash: hashSecret(clientSecret),
      authMethods: ['client_secret_basic'],
      grantTypes: ['client_credentials'],
      scopes: ['read'],
      resources: [JWT_API],
      disabled: false,
    });
    expect(JSON.stringify(stored)).not.toContain(clientSecret);
    expect((await api.listClients()).map((c) => c.clientId)).toEqual([client.clientId]);
  });

  it('gives every client a distinct id and secret', async () => {
    const { api } = admin();
    const a = await api.createClient({ name: 'a' });
    const b = await api.createClient({ name: 'b' });
    expect(a.client.clientId).not.toBe(b.client.clientId);
    expect(a.clientSecret).not.toBe(b.clientSecret);
  });

  it('refuses unknown and forbidden grant types with a clear message', async () => {
    const { api } = admin();
    expect(await rejection(api.createClient({ name: 'x', grantTypes: ['magic'] }))).toContain('unknown grant type "magic"');
    expect(await rejection(api.createClient({ name: 'x', grantTypes: ['password'] }))).toContain('RFC 9700 §2.4');
    expect(await rejection(api.createClient({ name: 'x', grantTypes: ['implicit'] }))).toContain('RFC 9700 §2.1.2');
  });

  it('refuses a resource that is not registered, a bad resource URI and bad scope syntax', async () => {
    const { api } = admin();
    expect(await rejection(api.createClient({ name: 'x', resources: [JWT_API] }))).toContain('not registered');
    expect(await rejection(api.createClient({ name: 'x', resources: ['api'] }))).toContain('absolute URI');
    expect(await rejection(api.createClient({ name: 'x', scopes: ['a b'] }))).toContain('not a valid scope');
    expect(await rejection(api.createClient({ name: '' }))).toContain('name');
  });

  it('refuses http redirect URIs except loopback, and fragments (RFC 9700 §2.6, RFC 6749 §3.1.2)', async () => {
    const { api } = admin();
    expect(await rejection(api.createClient({ name: 'x', redirectUris: ['http://app.example/cb'] }))).toContain('https');
    expect(await rejection(api.createClient({ name: 'x', redirectUris: ['https://app.example/cb#x'] }))).toContain('fragment');
    await expect(api.createClient({ name: 'x', redirectUris: ['http://127.0.0.1/cb'] })).resolves.toBeDefined();
  });

  it('disables and deletes clients, telling the server each time', async () => {
    const { api, changes } = admin();
    const { client } = await api.createClient({ name: 'x' });
    expect(await api.setClientDisabled(client.clientId, true)).toBe(true);
    expect((await api.getClient(client.clientId))?.disabled).toBe(true);
    expect(await api.deleteClient(client.clientId)).toBe(true);
    expect(await api.deleteClient(client.clientId)).toBe(false);
    expect(changes.filter((c) => c === `client:${client.clientId}`)).toHaveLength(4);
  });
});

describe('admin: resources', () => {
  it('creates a resource with a ttl written as a duration', async () => {
    const { api } = admin();
    const resource = await api.createResource({ id: JWT_API, tokenFormat: 'opaque', ttl: '10m', scopes: ['read', 'read'] });
    expect(resource).toMatchObject({ id: JWT_API, name: JWT_API, tokenFormat: 'opaque', accessTokenTtl: 600, scopes: ['read'] });
    expect((await api.listResources()).map((r) => r.id)).toEqual([JWT_API]);
  });

  it('defaults to jwt and the default lifetime', async () => {
    const { api } = admin();
    expect(await api.createResource({ id: JWT_API })).toMatchObject({ tokenFormat: 'jwt', accessTokenTtl: 3600, scopes: [] });
  });

  it('keeps lifetimes within bounds', async () => {
    const { api } = admin();
    expect(await rejection(api.createResource({ id: JWT_API, ttl: '2d' }))).toContain('ttl');
    expect(await rejection(api.createResource({ id: JWT_API, ttl: 5 }))).toContain('ttl');
    expect(await rejection(api.createResource({ id: JWT_API, ttl: 'soon' }))).toContain('not a duration');
  });

  it('refuses a resource id with a fragment or that is not absolute (RFC 8707 §2), and duplicates', async () => {
    const { api } = admin();
    expect(await rejection(api.createResource({ id: 'https://api.example#x' }))).toContain('RFC 8707');
    expect(await rejection(api.createResource({ id: '/relative' }))).toContain('RFC 8707');
    expect(await rejection(api.createResource({ id: JWT_API, tokenFormat: 'paseto' as 'jwt' }))).toContain('tokenFormat');
    await api.createResource({ id: JWT_API });
    expect(await rejection(api.createResource({ id: JWT_API }))).toContain('already exists');
  });
});
