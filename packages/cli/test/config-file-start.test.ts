// `tessera start --config FILE` as a separate process, the way an operator runs it: the file's
// keys.accessTokenAlg (EdDSA) is what the served JWKS and the issued tokens use, its store section is
// where the server and the admin commands (given the same --config) keep their data, and the webhook
// secret it holds appears in no output.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, buildCli, freePort, runCli, tmpDir } from './helpers.js';

const API = 'https://api.example.com/orders';
const WEBHOOK_SECRET = 'whsec-0123456789abcdef0123456789abcdef-never-logged';

describe('tessera start --config: the file\'s settings reach the running server', { timeout: 90_000 }, () => {
  const dir = tmpDir('tessera-config-start-');
  const config = join(dir, 'tessera.json');
  let issuer: string;
  let child: ChildProcess | undefined;
  let out = '';
  let err = '';

  beforeAll(async () => {
    buildCli();
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    writeFileSync(
      config,
      JSON.stringify({
        issuer,
        server: { port, host: '127.0.0.1', logLevel: 'info' },
        keys: { accessTokenAlg: 'EdDSA' },
        store: { kind: 'sqlite', filename: 'state/tessera.db' },
        ttl: { accessTokenDefault: '5m' },
        devices: { uem: { sources: { acme: { secrets: [WEBHOOK_SECRET] } } } },
      }),
    );
    // Started from another directory: the store's relative filename is relative to the config file.
    child = spawn(process.execPath, [BIN, 'start', '--dev', '--config', config], { cwd: tmpDir(), env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}:\n${out}\n${err}`);
      if (Date.now() > deadline) throw new Error(`server not ready:\n${out}\n${err}`);
      if (await fetch(`${issuer}/.well-known/oauth-authorization-server`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 120_000);

  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('serves the file\'s issuer and keeps its data where the file says', async () => {
    const meta = (await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, string>;
    expect(meta.issuer).toBe(issuer);
    expect(out).toContain(`store:     ${join(dir, 'state/tessera.db')}`);
    expect(existsSync(join(dir, 'state/tessera.db'))).toBe(true);
  });

  it('issues EdDSA access tokens (keys.accessTokenAlg from the file) that verify against the served JWKS', async () => {
    const cli = async (...args: string[]) => {
      const r = await runCli([...args, '--config', config, '--json']);
      if (r.code !== 0) throw new Error(`tessera ${args.join(' ')} → ${r.code}: ${r.stderr}`);
      return JSON.parse(r.stdout) as Record<string, string>;
    };
    // The admin commands find the server's store through the same file.
    await cli('resources', 'create', '--id', API, '--format', 'jwt', '--scopes', 'orders:read');
    const client = await cli('clients', 'create', '--name', 'config-e2e', '--scope', 'orders:read', '--resource', API);
    const meta = (await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, string>;
    const res = await fetch(meta.token_endpoint!, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: API, scope: 'orders:read' }),
    });
    const body = (await res.json()) as { access_token: string; expires_in: number };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.expires_in).toBe(300); // ttl.accessTokenDefault from the file, applied by resources create
    const header = decodeProtectedHeader(body.access_token);
    expect(header.alg).toBe('EdDSA');
    const jwks = (await (await fetch(meta.jwks_uri!)).json()) as { keys: Record<string, string>[] };
    expect(jwks.keys.find((k) => k.kid === header.kid)).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    const { payload } = await jwtVerify(body.access_token, createRemoteJWKSet(new URL(meta.jwks_uri!)), { issuer, audience: API, typ: 'at+jwt', algorithms: ['EdDSA'] });
    expect(payload.scope).toBe('orders:read');
  });

  it('prints nothing of the secrets the file holds', () => {
    expect(out + err).not.toContain(WEBHOOK_SECRET);
  });
});
