// `tessera clients create` with the OpenID Connect flags that sign-in clients need (issue 3):
// redirect and logout URIs, back-channel logout, ID-token algorithm, DPoP binding, public and
// private_key_jwt clients. In-process on a SQLite data directory.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { memoryIo, tmpDir } from './helpers.js';

async function run(data: string, args: string[]) {
  const io = memoryIo({}, data);
  const code = await main([...args, '--data', data], io);
  return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}

describe('tessera clients create for OpenID Connect clients', { timeout: 60_000 }, () => {
  const data = tmpDir();

  it('a public client with redirect, post-logout and back-channel URIs, ID-token alg and DPoP binding', async () => {
    const r = await run(data, [
      'clients', 'create', '--name', 'spa', '--auth-method', 'none', '--grant-types', 'authorization_code,refresh_token',
      '--redirect-uri', 'https://app.example/cb', '--redirect-uri', 'http://127.0.0.1:8080/cb',
      '--post-logout-redirect-uri', 'https://app.example/bye',
      '--backchannel-logout-uri', 'https://app.example/bc', '--backchannel-logout-session-required',
      '--id-token-alg', 'ES256', '--dpop-bound', '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      name: 'spa',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: ['https://app.example/cb', 'http://127.0.0.1:8080/cb'],
      post_logout_redirect_uris: ['https://app.example/bye'],
      backchannel_logout_uri: 'https://app.example/bc',
      backchannel_logout_session_required: true,
      id_token_signed_response_alg: 'ES256',
      dpop_bound_access_tokens: true,
    });
    expect(out).not.toHaveProperty('client_secret');
  });

  it('a private_key_jwt client reads its public keys from --jwks-file', async () => {
    const { publicKey } = await generateKeyPair('ES256');
    const file = join(data, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }));
    const r = await run(data, ['clients', 'create', '--name', 'web', '--auth-method', 'private_key_jwt', '--jwks-file', file, '--grant-types', 'authorization_code', '--redirect-uri', 'https://web.example/cb', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', grant_types: ['authorization_code'] });
  });

  it.each([
    ['an http redirect URI off loopback', ['--auth-method', 'none', '--redirect-uri', 'http://app.example/cb'], 1, /must use https/],
    ['http://localhost (RFC 8252 §8.3)', ['--auth-method', 'none', '--redirect-uri', 'http://localhost:9/cb'], 1, /must use https/],
    ['a fragment in a post-logout URI', ['--auth-method', 'none', '--post-logout-redirect-uri', 'https://a.example/#x'], 1, /fragment/],
    ['an unsupported ID-token alg', ['--auth-method', 'none', '--id-token-alg', 'HS256'], 1, /id_token_signed_response_alg/],
    ['session-required without a logout URI', ['--auth-method', 'none', '--backchannel-logout-session-required'], 1, /needs backchannel_logout_uri/],
    ['private_key_jwt without keys', ['--auth-method', 'private_key_jwt'], 2, /--jwks-file goes with/],
    ['an unknown auth method', ['--auth-method', 'tls_client_auth'], 2, /--auth-method must be one of/],
  ])('refuses %s', async (_what, flags, code, reason) => {
    const r = await run(data, ['clients', 'create', '--name', 'x', ...(flags as string[])]);
    expect(r.code).toBe(code);
    expect(r.stderr.split('\n')[0]).toMatch(reason);
  });
});
