import { ConflictError, createMemoryStorage } from '@tessera/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { markStorageFailures, StorageUnavailableError } from '../src/index.js';
import { FORM, form, JWT_API, OPAQUE_API, setup, type Fixture } from './helpers.js';

const down = async () => {
  throw new Error('SQLITE_BUSY: database is locked');
};

describe('storage failures on request paths answer 503, never 500', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await setup();
  });
  afterEach(async () => {
    await f.close();
  });

  const token = (resource: string) =>
    f.tessera.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': FORM, authorization: f.basic(f.client.id, f.client.secret) },
      payload: form({ grant_type: 'client_credentials', resource }),
    });

  it('an opaque token that could not be stored is not issued: 503 temporarily_unavailable with Retry-After', async () => {
    (f.storage.tokens as { put: unknown }).put = down;
    const res = await token(OPAQUE_API);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'the service is temporarily unavailable, retry later' });
    expect(res.headers['retry-after']).toBe('5');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(f.logs.text()).toContain('tokens.put');
  });

  it('a client lookup that fails is 503, not invalid_client (the credentials were never judged)', async () => {
    (f.storage.clients as { get: unknown }).get = down;
    await f.tessera.admin.createClient({ name: 'fresh', scopes: ['read'], resources: [JWT_API] }).then(async ({ client, clientSecret }) => {
      const res = await f.tessera.app.inject({
        method: 'POST',
        url: '/token',
        headers: { 'content-type': FORM, authorization: f.basic(client.clientId, clientSecret) },
        payload: form({ grant_type: 'client_credentials' }),
      });
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toBe('temporarily_unavailable');
    });
  });

  it('introspection whose token lookup fails is 503 rather than a false {"active":false} or a 500', async () => {
    const issued = (await token(OPAQUE_API)).json().access_token as string;
    (f.storage.tokens as { get: unknown }).get = down;
    const res = await f.tessera.app.inject({
      method: 'POST',
      url: '/introspect',
      headers: { 'content-type': FORM, authorization: f.basic(f.client.id, f.client.secret) },
      payload: form({ token: issued }),
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toBe('temporarily_unavailable');
  });

  it('JWT issuance needs no storage beyond the cached client, so it goes on while the token table is down', async () => {
    (f.storage.tokens as { put: unknown }).put = down;
    const res = await token(JWT_API);
    expect(res.statusCode).toBe(200);
  });
});

describe('markStorageFailures', () => {
  it('passes a ConflictError through unchanged: a conflict is an answer from a healthy store', async () => {
    const storage = createMemoryStorage();
    const marked = markStorageFailures(storage);
    (storage.clients as { create: unknown }).create = async () => {
      throw new ConflictError('client', 'x');
    };
    await expect(marked.clients.create({} as never)).rejects.toBeInstanceOf(ConflictError);
    (storage.clients as { create: unknown }).create = down;
    const failure = await marked.clients.create({} as never).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StorageUnavailableError);
    expect((failure as StorageUnavailableError).operation).toBe('clients.create');
    await storage.close();
  });
});
