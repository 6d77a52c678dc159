import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify, createRemoteJWKSet } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tessera } from '../../src/index.js';
import { listeningTessera, PASSWORD } from '../authorize/fixture.js';
import { scriptedDeviceApproval, scriptedLogin, totpCode, type CookieJar } from '../authorize/scripted-login.js';

/**
 * Acceptance item 1 of issue 3: an independent client library, openid-client v6 (panva), completes the
 * user flows against a real listening Tessera on SQLite in a temporary directory, over HTTP. The
 * person at the browser is scripted (sign-in, consent, device page) by the pages' own forms.
 *
 * openid-client validates on its side what a certified RP would: issuer of the discovery document,
 * `iss` in the authorization response (RFC 9207), `state`, PKCE, and the ID token (signature against
 * the served JWKS, `iss`, `aud`, `exp`, `iat`, `nonce`).
 */
const API = 'https://api.example.com';

let tessera: Tessera;
let issuer: string;
let close: () => Promise<void>;
let receiver: Server;
let receiverUrl: string;
const logoutTokens: string[] = [];

async function discover(clientId: string, auth: oidc.ClientAuth = oidc.None(), metadata?: Partial<oidc.ClientMetadata>): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(issuer), clientId, metadata, auth, { execute: [oidc.allowInsecureRequests] });
}

/** Build the authorization URL openid-client would send a browser to, with fresh PKCE, state and nonce. */
async function authorizationRequest(config: oidc.Configuration, redirectUri: string, scope = 'openid profile email read') {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    resource: API,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { url, verifier, state, nonce };
}

let userId: string;
const RP = 'http://127.0.0.1:9/cb';
const RP_LOGOUT = 'http://127.0.0.1:9/bye';

beforeAll(async () => {
  ({ tessera, issuer, close } = await listeningTessera('e2e', { tokens: { deviceInterval: 1 } }));
  await tessera.admin.createResource({ id: API, tokenFormat: 'jwt', ttl: '10m', scopes: ['read'] });
  userId = (await tessera.admin.users.create({ username: 'alice', password: PASSWORD, email: 'alice@example.com', emailVerified: true })).id;

  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      logoutTokens.push(new URLSearchParams(body).get('logout_token') ?? '');
      res.writeHead(200, { 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await close?.();
});

describe('openid-client v6 against a running Tessera (SQLite)', { timeout: 60_000 }, () => {
  let publicClient: string;
  let config: oidc.Configuration;
  let jar: CookieJar;
  /** From the code flow: the ID token (and its sid) stay for logout; the tokens move on with refresh. */
  let idToken: string;
  let sid: string;
  let accessToken: string;
  let refreshToken: string;

  beforeAll(async () => {
    const client = await tessera.admin.createClientWithoutSecret({
      name: 'native app',
      authMethod: 'none',
      grantTypes: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
      scopes: ['openid', 'profile', 'email', 'read'],
      resources: [API],
      redirectUris: [RP],
      metadata: { post_logout_redirect_uris: [RP_LOGOUT], backchannel_logout_uri: `${receiverUrl}/backchannel` },
    });
    publicClient = client.clientId;
    config = await discover(publicClient);
  });

  it('discovery: openid-client accepts the metadata (issuer matches, endpoints present)', () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(issuer);
    expect(metadata.authorization_endpoint).toBe(`${issuer}/authorize`);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.end_session_endpoint).toBeDefined();
    expect(metadata.backchannel_logout_supported).toBe(true);
  });

  it('(a) authorization code + PKCE with a scripted sign-in; ID token validated (nonce, state, iss)', async () => {
    const request = await authorizationRequest(config, RP);
    const login = await scriptedLogin({ authorizationUrl: request.url.href, username: 'alice', password: PASSWORD });
    jar = login.jar;
    expect(login.pages).toContain('login');
    const tokens = await oidc.authorizationCodeGrant(config, new URL(login.redirect), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: issuer, aud: publicClient, sub: userId, nonce: request.nonce });
    expect(typeof claims.sid).toBe('string');
    expect(typeof claims.auth_time).toBe('number');
    expect(tokens.refresh_token).toBeDefined();
    [idToken, sid, accessToken, refreshToken] = [tokens.id_token!, claims.sid as string, tokens.access_token, tokens.refresh_token!];
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${issuer}/jwks.json`)), { issuer, audience: API, typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: userId, client_id: publicClient, scope: expect.stringContaining('read') });
  });

  it('(a) a wrong state is refused by openid-client (the response is not for this request)', async () => {
    const request = await authorizationRequest(config, RP);
    const login = await scriptedLogin({ authorizationUrl: request.url.href, username: 'alice', password: PASSWORD, jar });
    await expect(
      oidc.authorizationCodeGrant(config, new URL(login.redirect), { pkceCodeVerifier: request.verifier, expectedState: 'another-state', expectedNonce: request.nonce }),
    ).rejects.toMatchObject({ code: 'OAUTH_INVALID_RESPONSE', cause: { message: expect.stringMatching(/"state"/) } });
  });

  it('(b) refreshTokenGrant returns a new access token and a rotated refresh token', async () => {
    const refreshed = await oidc.refreshTokenGrant(config, refreshToken);
    expect(refreshed.access_token).not.toBe(accessToken);
    expect(refreshed.refresh_token).toBeDefined();
    expect(refreshed.refresh_token).not.toBe(refreshToken);
    [accessToken, refreshToken] = [refreshed.access_token, refreshed.refresh_token!];
  });

  it('(c) fetchUserInfo returns the claims of the granted scopes for the expected subject', async () => {
    const info = await oidc.fetchUserInfo(config, accessToken, userId);
    expect(info).toMatchObject({ sub: userId, preferred_username: 'alice', email: 'alice@example.com', email_verified: true });
    // openid-client itself refuses a userinfo response about another subject (OIDC Core §5.3.2).
    await expect(oidc.fetchUserInfo(config, accessToken, 'someone-else')).rejects.toThrow();
  });

  it('(d) device flow: initiateDeviceAuthorization, approval at /device over HTTP, pollDeviceAuthorizationGrant', async () => {
    const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid read', resource: API });
    expect(device.verification_uri).toBe(`${issuer}/device`);
    const approval = await scriptedDeviceApproval({ baseUrl: issuer, userCode: device.user_code, username: 'alice', password: PASSWORD });
    expect(approval.approved).toBe(true);
    const deviceTokens = await oidc.pollDeviceAuthorizationGrant(config, device);
    expect(deviceTokens.access_token).toBeDefined();
    expect(deviceTokens.claims()).toMatchObject({ sub: userId, aud: publicClient });
  });

  it('(e) buildEndSessionUrl; following it ends the SSO session, its refresh token, and tells the client by back-channel logout', async () => {
    const state = oidc.randomState();
    const url = oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: RP_LOGOUT, state });
    let response = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(response);
    // A confirmation form (CSRF-protected) may come first; the hint names this client and session.
    for (let hops = 0; response.status === 200 && hops < 3; hops++) {
      const body = await response.text();
      const form = /<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/.exec(body);
      if (form === null) break;
      const fields = new URLSearchParams();
      for (const m of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields.set(m[1]!, m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"'));
      const button = /<button[^>]*name="([^"]+)"[^>]*value="([^"]*)"/.exec(form[2]!);
      if (button) fields.set(button[1]!, button[2]!);
      response = await fetch(new URL(form[1]!.replace(/&amp;/g, '&'), issuer), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded', origin: new URL(issuer).origin },
        body: fields.toString(),
      });
      jar.store(response);
    }
    expect(response.status).toBe(303);
    const back = new URL(response.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(RP_LOGOUT);
    expect(back.searchParams.get('state')).toBe(state);

    // The session is gone: prompt=none can no longer sign in silently (OIDC Core §3.1.2.6 login_required).
    const again = await authorizationRequest(config, RP);
    again.url.searchParams.set('prompt', 'none');
    const silent = await fetch(again.url, { redirect: 'manual', headers: { cookie: jar.header() } });
    expect(new URL(silent.headers.get('location')!).searchParams.get('error')).toBe('login_required');

    // Tokens of the session are revoked: the refresh token no longer works.
    await expect(oidc.refreshTokenGrant(config, refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });

    // Back-channel logout: a logout token for this sid reached the client.
    await expect.poll(() => logoutTokens.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const { payload } = await jwtVerify(logoutTokens.at(-1)!, createRemoteJWKSet(new URL(`${issuer}/jwks.json`)), { issuer, audience: publicClient, typ: 'logout+jwt' });
    expect(payload).toMatchObject({ sub: userId, sid });
  });
});

describe('openid-client v6: a user with TOTP (enrolled through the admin API)', { timeout: 60_000 }, () => {
  it('signs in with password + TOTP; the ID token says so (amr otp/mfa)', async () => {
    const bob = await tessera.admin.users.create({ username: 'bob', password: PASSWORD });
    const { secret } = await tessera.admin.users.totp.start(bob.id);
    await tessera.admin.users.totp.confirm(bob.id, totpCode(secret, Date.now()));
    const client = await tessera.admin.createClientWithoutSecret({
      name: 'mfa app',
      authMethod: 'none',
      grantTypes: ['authorization_code'],
      scopes: ['openid', 'read'],
      resources: [API],
      redirectUris: ['http://[::1]:9/cb'],
    });
    const config = await discover(client.clientId);
    const request = await authorizationRequest(config, 'http://[::1]:9/cb', 'openid read');
    const login = await scriptedLogin({ authorizationUrl: request.url.href, username: 'bob', password: PASSWORD, totpSecret: secret });
    expect(login.pages).toEqual(expect.arrayContaining(['login', 'totp']));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(login.redirect), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });
    expect(tokens.claims()).toMatchObject({ sub: bob.id, amr: expect.arrayContaining(['pwd', 'otp']) });
  });
});

describe('openid-client v6: private_key_jwt client in the code flow', { timeout: 60_000 }, () => {
  it('PrivateKeyJwt authenticates the code exchange and the refresh', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'rp-key-1', alg: 'ES256' };
    const client = await tessera.admin.createClientWithoutSecret({
      name: 'web app',
      authMethod: 'private_key_jwt',
      jwks: { keys: [jwk] },
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'read'],
      resources: [API],
      redirectUris: ['https://web.example/cb'],
      metadata: { id_token_signed_response_alg: 'ES256' },
    });
    const config = await discover(client.clientId, oidc.PrivateKeyJwt({ key: privateKey, kid: 'rp-key-1' }), { id_token_signed_response_alg: 'ES256' });
    const request = await authorizationRequest(config, 'https://web.example/cb', 'openid profile read');
    const login = await scriptedLogin({ authorizationUrl: request.url.href, username: 'alice', password: PASSWORD });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(login.redirect), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });
    expect(tokens.claims()).toMatchObject({ sub: userId, aud: client.clientId });
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).toBeDefined();
  });

  it('RFC 6749 §5.2: the code exchange without the client assertion (None) is refused with 401 (invalid_client)', async () => {
    const { publicKey } = await generateKeyPair('ES256');
    const client = await tessera.admin.createClientWithoutSecret({
      name: 'web app 2',
      authMethod: 'private_key_jwt',
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' }] },
      grantTypes: ['authorization_code'],
      scopes: ['openid', 'read'],
      resources: [API],
      redirectUris: ['https://web2.example/cb'],
    });
    const config = await discover(client.clientId, oidc.None());
    const request = await authorizationRequest(config, 'https://web2.example/cb', 'openid read');
    const login = await scriptedLogin({ authorizationUrl: request.url.href, username: 'alice', password: PASSWORD });
    await expect(
      oidc.authorizationCodeGrant(config, new URL(login.redirect), { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce }),
    ).rejects.toMatchObject({ status: 401, code: 'OAUTH_WWW_AUTHENTICATE_CHALLENGE' });
  });
});
