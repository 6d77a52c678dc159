import { exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStorage, type Storage } from '@tessera/store';
import { createTessera, type Tessera } from '../../src/index.js';
import { ISSUER, JWT_API } from '../helpers.js';

/**
 * Interoperability with an independent client library: openid-client v6 (oauth4webapi) signs its own
 * assertions (aud = issuer, iat/nbf/exp from the real clock, random jti), so this server runs on the
 * real clock. Requests go through `app.inject` via openid-client's customFetch: no socket needed.
 */
let tessera: Tessera;
let storage: Storage;

function injectFetch(url: string, options: { method: string; headers: Record<string, string>; body?: unknown }): Promise<Response> {
  const target = new URL(url);
  return tessera.app
    .inject({
      method: options.method as 'GET' | 'POST',
      url: target.pathname + target.search,
      headers: options.headers,
      ...(options.body === undefined || options.body === null ? {} : { payload: String(options.body) }),
    })
    .then((res) => new Response(res.statusCode === 200 && res.body === '' ? null : res.rawPayload, { status: res.statusCode, headers: res.headers as Record<string, string> }));
}

async function configure(clientId: string, auth: oidc.ClientAuth): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(ISSUER), clientId, undefined, auth, {
    execute: [oidc.allowInsecureRequests],
    [oidc.customFetch]: injectFetch,
  });
}

beforeAll(async () => {
  storage = createMemoryStorage();
  tessera = await createTessera({
    config: { issuer: ISSUER, dev: true, store: { kind: 'memory' }, keys: { masterKey: Buffer.alloc(32, 9) }, server: { logLevel: 'silent' } },
    storage,
  });
  await tessera.admin.createResource({ id: JWT_API, ttl: '10m', scopes: ['read'] });
});
afterAll(async () => {
  await tessera.close();
  await storage.close();
});

describe('openid-client v6 against private_key_jwt and none', () => {
  it('obtains a token with PrivateKeyJwt, introspects and revokes it with fresh assertions each time', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1' };
    const client = await tessera.admin.createClientWithoutSecret({
      name: 'oidc-client',
      authMethod: 'private_key_jwt',
      jwks: { keys: [jwk] },
      scopes: ['read'],
      resources: [JWT_API],
    });
    const config = await configure(client.clientId, oidc.PrivateKeyJwt({ key: privateKey, kid: 'k1' }));
    const tokens = await oidc.clientCredentialsGrant(config, { resource: JWT_API, scope: 'read' });
    expect(tokens.token_type).toBe('bearer');
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
    await oidc.tokenRevocation(config, tokens.access_token);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  });

  it('is refused client_credentials as a public client (None) with unauthorized_client', async () => {
    const client = await tessera.admin.createClientWithoutSecret({ name: 'public', authMethod: 'none', resources: [JWT_API], scopes: ['read'] });
    const config = await configure(client.clientId, oidc.None());
    await expect(oidc.clientCredentialsGrant(config, { resource: JWT_API })).rejects.toMatchObject({ error: 'unauthorized_client' });
    // RFC 7009 §2.1: a public client may call revocation.
    await expect(oidc.tokenRevocation(config, 'not-a-token')).resolves.toBeUndefined();
  });
});
