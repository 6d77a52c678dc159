import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '@tessera/store';
import { createAdmin } from '../../src/index.js';
import { rejection, T0 } from '../helpers.js';

const admin = () => createAdmin(createMemoryStorage(), { now: () => T0 });
const app = (metadata: Record<string, unknown>, redirectUris: string[] = ['https://app.example/cb']) =>
  ({ name: 'app', authMethod: 'none' as const, grantTypes: [], redirectUris, metadata }) as Parameters<ReturnType<typeof admin>['createClientWithoutSecret']>[0];

describe('client registration: OpenID Connect metadata', () => {
  it('stores logout URIs, the ID-token algorithm and DPoP binding under their registration names', async () => {
    const client = await admin().createClientWithoutSecret(
      app({
        post_logout_redirect_uris: ['https://app.example/bye', 'http://127.0.0.1:8080/bye'],
        backchannel_logout_uri: 'https://app.example/backchannel?tenant=1',
        backchannel_logout_session_required: true,
        id_token_signed_response_alg: 'EdDSA',
        dpop_bound_access_tokens: true,
      }),
    );
    expect(client.metadata).toEqual({
      post_logout_redirect_uris: ['https://app.example/bye', 'http://127.0.0.1:8080/bye'],
      backchannel_logout_uri: 'https://app.example/backchannel?tenant=1',
      backchannel_logout_session_required: true,
      id_token_signed_response_alg: 'EdDSA',
      dpop_bound_access_tokens: true,
    });
  });

  it('stores the consent-page links (client_uri, policy_uri, tos_uri) and refuses ones that are not web pages', async () => {
    const api = admin();
    const client = await api.createClientWithoutSecret(app({ client_uri: 'https://app.example', policy_uri: 'https://app.example/privacy', tos_uri: 'https://app.example/tos' }));
    expect(client.metadata).toMatchObject({ client_uri: 'https://app.example', policy_uri: 'https://app.example/privacy', tos_uri: 'https://app.example/tos' });
    expect(await rejection(api.createClientWithoutSecret(app({ policy_uri: 'javascript:alert(1)' })))).toMatch(/policy_uri/);
    expect(await rejection(api.createClientWithoutSecret(app({ tos_uri: 'http://app.example/tos' })))).toMatch(/tos_uri .*https/);
    expect(await rejection(api.createClientWithoutSecret(app({ client_uri: 'com.example.app:/home' })))).toMatch(/client_uri must be an https URI/);
  });

  it('RFC 9700 §2.6: refuses plain-http redirect and logout URIs except loopback IP literals', async () => {
    const api = admin();
    expect(await rejection(api.createClientWithoutSecret(app({ post_logout_redirect_uris: ['http://app.example/bye'] })))).toMatch(/must use https/);
    expect(await rejection(api.createClientWithoutSecret(app({ backchannel_logout_uri: 'http://app.example/bc' })))).toMatch(/must use https/);
    // RFC 8252 §8.3: "localhost" is NOT RECOMMENDED; only 127.0.0.1 and [::1] may use http.
    expect(await rejection(api.createClientWithoutSecret(app({}, ['http://localhost:8080/cb'])))).toMatch(/must use https/);
    await expect(api.createClientWithoutSecret(app({}, ['http://[::1]:8080/cb']))).resolves.toBeDefined();
  });

  it('RFC 6749 §3.1.2: refuses fragments, relative URIs and script schemes', async () => {
    const api = admin();
    expect(await rejection(api.createClientWithoutSecret(app({ post_logout_redirect_uris: ['https://app.example/bye#x'] })))).toMatch(/fragment/);
    expect(await rejection(api.createClientWithoutSecret(app({ backchannel_logout_uri: '/relative' })))).toMatch(/absolute/);
    expect(await rejection(api.createClientWithoutSecret(app({}, ['javascript:alert(1)'])))).toMatch(/scheme/);
    expect(await rejection(api.createClientWithoutSecret(app({ backchannel_logout_uri: 'com.example.app:/bc' })))).toMatch(/https/);
  });

  it('refuses unknown metadata, unsupported ID-token algorithms, and session_required without a URI', async () => {
    const api = admin();
    expect(await rejection(api.createClientWithoutSecret(app({ id_token_signed_response_alg: 'HS256' })))).toMatch(/id_token_signed_response_alg/);
    expect(await rejection(api.createClientWithoutSecret(app({ id_token_signed_response_alg: 'none' })))).toMatch(/id_token_signed_response_alg/);
    expect(await rejection(api.createClientWithoutSecret(app({ frontchannel_logout_uri: 'https://app.example/fc' })))).toMatch(/frontchannel_logout_uri/);
    expect(await rejection(api.createClientWithoutSecret(app({ backchannel_logout_session_required: true })))).toMatch(/needs backchannel_logout_uri/);
    expect(await rejection(api.createClientWithoutSecret(app({ dpop_bound_access_tokens: 'yes' })))).toMatch(/dpop_bound_access_tokens/);
  });
});
