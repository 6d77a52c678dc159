import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tessera } from '../../src/index.js';
import { listeningTessera, PASSWORD } from '../authorize/fixture.js';
import { scriptedLogin } from '../authorize/scripted-login.js';

/**
 * RFC 9126 end to end: openid-client v6 (panva) pushes the authorization request itself
 * (`buildAuthorizationUrlWithPAR`), a scripted person signs in and consents through the pages, and the
 * client redeems the code — against a real listening Tessera on SQLite, over HTTP, with the real clock.
 */
const API = 'https://api.example.com';
const RP = 'http://127.0.0.1:9/cb';

let tessera: Tessera;
let issuer: string;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ tessera, issuer, close } = await listeningTessera('par-e2e'));
  await tessera.admin.createResource({ id: API, tokenFormat: 'jwt', ttl: '10m', scopes: ['read'] });
  await tessera.admin.users.create({ username: 'alice', password: PASSWORD });
}, 60_000);

afterAll(async () => {
  await close?.();
});

describe('openid-client v6 with PAR against a running Tessera (SQLite)', { timeout: 60_000 }, () => {
  it('a confidential client (client_secret_basic) that must push: PAR, sign-in, consent, code, tokens, ID token', async () => {
    const { client, clientSecret } = await tessera.admin.createClient({
      name: 'web backend',
      authMethod: 'client_secret_basic',
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'read'],
      resources: [API],
      redirectUris: [RP],
      metadata: { require_pushed_authorization_requests: true },
    });
    const config = await oidc.discovery(new URL(issuer), client.clientId, undefined, oidc.ClientSecretBasic(clientSecret), { execute: [oidc.allowInsecureRequests] });
    expect(config.serverMetadata().pushed_authorization_request_endpoint).toBe(`${issuer}/par`);

    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: RP,
      scope: 'openid profile read',
      resource: API,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    // RFC 9126 §4: the browser carries only client_id and the request_uri.
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);

    const login = await scriptedLogin({ authorizationUrl: url.href, username: 'alice', password: PASSWORD });
    expect(login.pages).toContain('login');
    const tokens = await oidc.authorizationCodeGrant(config, new URL(login.redirect), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    expect(tokens.claims()).toMatchObject({ iss: issuer, aud: client.clientId, nonce });
    expect(tokens.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'read']));

    // The same authorization URL again (a replayed link): one-time use, an error page.
    const replay = await fetch(url, { redirect: 'manual' });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('invalid_request_uri');

    // And the front channel alone is refused for this client.
    const front = oidc.buildAuthorizationUrl(config, { redirect_uri: RP, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
    const refused = await fetch(front, { redirect: 'manual' });
    expect(new URL(refused.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
  });

  it('RFC 9449 §10.1: a DPoP proof on the push binds the code; the token request must prove the same key, another key is refused', async () => {
    const client = await tessera.admin.createClientWithoutSecret({
      name: 'dpop app', authMethod: 'none', grantTypes: ['authorization_code'], scopes: ['openid', 'read'], resources: [API], redirectUris: [RP],
    });
    const config = await oidc.discovery(new URL(issuer), client.clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const DPoP = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const flow = async () => {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = await oidc.buildAuthorizationUrlWithPAR(config, {
        redirect_uri: RP, scope: 'openid read', resource: API, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state,
      }, { DPoP });
      const login = await scriptedLogin({ authorizationUrl: url.href, username: 'alice', password: PASSWORD });
      return { redirect: new URL(login.redirect), checks: { pkceCodeVerifier: verifier, expectedState: state } };
    };
    const bound = await flow();
    const tokens = await oidc.authorizationCodeGrant(config, bound.redirect, bound.checks, undefined, { DPoP });
    expect(tokens.token_type.toLowerCase()).toBe('dpop');

    const stolen = await flow();
    const otherKey = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    await expect(oidc.authorizationCodeGrant(config, stolen.redirect, stolen.checks, undefined, { DPoP: otherKey })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('a public client (none) pushes too (RFC 9126 §2)', async () => {
    const client = await tessera.admin.createClientWithoutSecret({
      name: 'native app', authMethod: 'none', grantTypes: ['authorization_code'], scopes: ['openid', 'read'], resources: [API], redirectUris: [RP],
    });
    const config = await oidc.discovery(new URL(issuer), client.clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: RP, scope: 'openid read', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state,
    });
    const login = await scriptedLogin({ authorizationUrl: url.href, username: 'alice', password: PASSWORD });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(login.redirect), { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.access_token).toBeTruthy();
  });
});
