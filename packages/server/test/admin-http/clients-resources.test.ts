import { hashSecret } from '@tessera/token';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FORM, form, JWT_API } from '../helpers.js';
import { adminSetup, AUDIENCE, type AdminFixture } from './fixture.js';

describe('admin API: clients', () => {
  let a: AdminFixture;
  beforeEach(async () => {
    a = await adminSetup();
  });
  afterEach(async () => {
    await a.f.close();
  });

  it('creates a confidential client: the secret is in the 201 answer once, only its SHA-256 is stored, never shown again', async () => {
    const res = await a.call('POST', '/clients', { body: { name: 'billing', scopes: ['read'], resources: [JWT_API] } });
    expect(res.statusCode).toBe(201);
    const { client, clientSecret } = res.json();
    expect(clientSecret).toMatch(/^tcs_/);
    expect(client).toMatchObject({ name: 'billing', hasSecret: true, scopes: ['read'], resources: [JWT_API], disabled: false });
    expect(client.secretHash).toBeUndefined();
    expect((await a.f.storage.clients.get(client.clientId))?.secretHash).toBe(hashSecret(clientSecret));
    const got = await a.call('GET', `/clients/${client.clientId}`);
    const listed = await a.call('GET', '/clients');
    for (const body of [got.body, listed.body]) {
      expect(body).not.toContain(clientSecret);
      expect(body).not.toContain(hashSecret(clientSecret));
      expect(body).not.toContain('secretHash');
    }
    // The secret works at /token.
    const token = await a.f.tessera.app.inject({
      method: 'POST', url: '/token',
      headers: { 'content-type': FORM, authorization: a.f.basic(client.clientId, clientSecret) },
      payload: form({ grant_type: 'client_credentials' }),
    });
    expect(token.statusCode).toBe(200);
  });

  it('creates a public client (authMethod none) without a secret', async () => {
    const res = await a.call('POST', '/clients', {
      body: { name: 'spa', authMethod: 'none', grantTypes: ['authorization_code'], redirectUris: ['https://app.example.com/cb'] },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().clientSecret).toBeUndefined();
    expect(res.json().client.hasSecret).toBe(false);
  });

  it('refuses what the admin layer refuses (password grant, unknown resource) with 400 and issues', async () => {
    const grant = await a.call('POST', '/clients', { body: { name: 'x', grantTypes: ['password'] } });
    expect(grant.statusCode).toBe(400);
    expect(grant.json().error_description).toContain('RFC 9700');
    const resource = await a.call('POST', '/clients', { body: { name: 'x', resources: ['https://unknown.example'] } });
    expect(resource.statusCode).toBe(400);
  });

  it('refuses unknown fields such as a chosen secret or id', async () => {
    for (const extra of [{ clientSecret: 'mine' }, { clientId: 'cl_mine' }, { secretHash: 'x' }]) {
      const res = await a.call('POST', '/clients', { body: { name: 'x', ...extra } });
      expect(res.statusCode).toBe(400);
      expect(res.json().issues[0].code).toBe('unknown_field');
    }
  });

  it('disable makes client authentication fail at once; enable restores it', async () => {
    const res = await a.call('POST', `/clients/${a.f.client.id}/disable`);
    expect(res.statusCode).toBe(200);
    expect(res.json().disabled).toBe(true);
    const tokenRequest = () =>
      a.f.tessera.app.inject({
        method: 'POST', url: '/token',
        headers: { 'content-type': FORM, authorization: a.f.basic(a.f.client.id, a.f.client.secret) },
        payload: form({ grant_type: 'client_credentials' }),
      });
    expect((await tokenRequest()).statusCode).toBe(401);
    expect((await a.call('POST', `/clients/${a.f.client.id}/enable`)).json().disabled).toBe(false);
    expect((await tokenRequest()).statusCode).toBe(200);
  });

  it('delete answers 204, then the client is 404 everywhere', async () => {
    expect((await a.call('DELETE', `/clients/${a.f.other.id}`)).statusCode).toBe(204);
    for (const res of [
      await a.call('GET', `/clients/${a.f.other.id}`),
      await a.call('DELETE', `/clients/${a.f.other.id}`),
      await a.call('POST', `/clients/${a.f.other.id}/disable`),
      await a.call('POST', `/clients/${a.f.other.id}/enable`),
    ]) {
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toBe('not_found');
    }
  });
});

describe('admin API: resources', () => {
  let a: AdminFixture;
  beforeEach(async () => {
    a = await adminSetup();
  });
  afterEach(async () => {
    await a.f.close();
  });

  const LONG = `https://api.example.com/${'v'.repeat(180)}`;

  it('creates (201), lists and deletes (204) a resource, the id percent-encoded in the path', async () => {
    const created = await a.call('POST', '/resources', { body: { id: LONG, tokenFormat: 'opaque', ttl: '5m', scopes: ['orders:read'] } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: LONG, tokenFormat: 'opaque', accessTokenTtl: 300, scopes: ['orders:read'] });
    expect((await a.call('GET', '/resources')).json().resources.map((r: { id: string }) => r.id)).toContain(LONG);
    expect((await a.call('DELETE', `/resources/${encodeURIComponent(LONG)}`)).statusCode).toBe(204);
    expect((await a.call('DELETE', `/resources/${encodeURIComponent(LONG)}`)).statusCode).toBe(404);
  });

  it('a duplicate resource id is 409 conflict', async () => {
    const res = await a.call('POST', '/resources', { body: { id: JWT_API } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('conflict');
  });

  it('bad values are 400 with issues (not a URI, ttl out of bounds, bad scope)', async () => {
    for (const body of [{ id: 'not a uri' }, { id: 'https://x.example', ttl: 5 }, { id: 'https://x.example', scopes: ['a b'] }, { id: 'https://x.example', tokenFormat: 'xml' }]) {
      const res = await a.call('POST', '/resources', { body });
      expect(res.statusCode).toBe(400);
      expect(res.json().issues.length).toBeGreaterThan(0);
    }
  });

  it('the admin resource itself cannot be deleted through the admin API', async () => {
    const res = await a.call('DELETE', `/resources/${encodeURIComponent(AUDIENCE)}`);
    expect(res.statusCode).toBe(400);
    expect((await a.call('GET', '/resources')).json().resources.map((r: { id: string }) => r.id)).toContain(AUDIENCE);
  });
});
