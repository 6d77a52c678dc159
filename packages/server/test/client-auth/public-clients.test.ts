import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_API, setup, T0, type Fixture } from '../helpers.js';
import { post } from './assertions.js';

let f: Fixture;
let publicId: string;

beforeAll(async () => {
  f = await setup();
  const client = await f.tessera.admin.createClientWithoutSecret({ name: 'spa', authMethod: 'none', scopes: ['read'], resources: [JWT_API] });
  publicId = client.clientId;
});
afterAll(() => f.close());

function expectInvalidClient(res: Awaited<ReturnType<typeof post>>) {
  expect(res.statusCode).toBe(401);
  expect(res.json().error).toBe('invalid_client');
  expect(res.headers['www-authenticate']).toBe('Basic realm="tessera"');
}

async function issueFor(auth: string): Promise<string> {
  const res = await post(f, '/token', { resource: JWT_API }, { authorization: auth });
  expect(res.statusCode).toBe(200);
  return res.json().access_token;
}

describe('public clients: token_endpoint_auth_method none (RFC 6749 §2.1)', () => {
  it('are registered without a secret and with no grant by default', async () => {
    const stored = await f.storage.clients.get(publicId);
    expect(stored).toMatchObject({ authMethods: ['none'], secretHash: null, grantTypes: [], jwks: null });
  });

  it('refuses client_credentials: "MUST only be used by confidential clients" (RFC 6749 §4.4) → unauthorized_client', async () => {
    const res = await post(f, '/token', { client_id: publicId });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('unauthorized_client');
  });

  it('refuses client_credentials even when the stored record lists it (defence in depth at the token endpoint)', async () => {
    const at = new Date(T0);
    const id = 'public-with-cc';
    await f.storage.clients.create({
      v: 1,
      clientId: id,
      name: 'legacy',
      secretHash: null,
      authMethods: ['none'],
      grantTypes: ['client_credentials'],
      scopes: ['read'],
      resources: [JWT_API],
      redirectUris: [],
      jwks: null,
      metadata: {},
      disabled: false,
      createdAt: at,
      updatedAt: at,
    });
    const res = await post(f, '/token', { client_id: id });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'unauthorized_client', error_description: 'public clients cannot use client_credentials (RFC 6749 §4.4)' });
  });

  it('refuses a public client that sends a client_secret: it is not registered for client_secret_post', async () => {
    expectInvalidClient(await post(f, '/token', { client_id: publicId, client_secret: 'anything' }));
  });

  it('refuses a public client that sends HTTP Basic', async () => {
    expectInvalidClient(await post(f, '/token', {}, { authorization: f.basic(publicId, 'anything') }));
  });

  it('refuses a confidential client that sends only its client_id (no secret)', async () => {
    expectInvalidClient(await post(f, '/token', { client_id: f.client.id }));
    expectInvalidClient(await post(f, '/revoke', { client_id: f.client.id, token: 'x' }));
  });

  it('refuses an unknown client_id alone', async () => {
    expectInvalidClient(await post(f, '/token', { client_id: 'nobody' }));
  });

  it('refuses a disabled public client', async () => {
    const client = await f.tessera.admin.createClientWithoutSecret({ name: 'off', authMethod: 'none' });
    await f.tessera.admin.setClientDisabled(client.clientId, true);
    expectInvalidClient(await post(f, '/revoke', { client_id: client.clientId, token: 'x' }));
  });
});

describe('public clients at /revoke and /introspect', () => {
  it('may call /revoke with client_id alone: RFC 7009 §2.1 allows public clients (200 for a token that is not theirs)', async () => {
    const res = await post(f, '/revoke', { client_id: publicId, token: 'unknown-token' });
    expect(res.statusCode).toBe(200);
  });

  it('cannot revoke another client’s token: the token stays active', async () => {
    const token = await issueFor(f.basic(f.client.id, f.client.secret));
    expect((await post(f, '/revoke', { client_id: publicId, token })).statusCode).toBe(200);
    const check = await post(f, '/introspect', { token }, { authorization: f.basic(f.client.id, f.client.secret) });
    expect(check.json().active).toBe(true);
  });

  it('may not introspect: RFC 7662 §4 requires protection against token scanning, and a public client proves nothing', async () => {
    const token = await issueFor(f.basic(f.client.id, f.client.secret));
    expectInvalidClient(await post(f, '/introspect', { client_id: publicId, token }));
  });
});
