// Issue 2 end-to-end acceptance, over real HTTP between processes: the server is `tessera start` in its
// own process, fixtures come from the CLI, and the checks use only public protocol surfaces (discovery,
// JWKS, token, introspection, revocation). Then the server is restarted on the same data directory.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, buildCli, freePort, runCli, tmpDir } from './helpers.js';

const JWT_API = 'https://api.example.com/orders';
const OPAQUE_API = 'https://api.example.com/payments';

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<number | null>;
}

async function startServer(dataDir: string, port: number, issuer: string): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'start', '--dev', '--data', dataDir, '--port', String(port), '--host', '127.0.0.1', '--issuer', issuer], {
    env: { PATH: process.env.PATH ?? '', TESSERA_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}:\n${out}\n${err}`);
    if (Date.now() > deadline) throw new Error(`server not ready:\n${out}\n${err}`);
    const ok = await fetch(`${issuer}/.well-known/oauth-authorization-server`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function post(url: string, auth: string, params: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('issue 2 acceptance: tokens over HTTP between processes, surviving a restart', { timeout: 90_000 }, () => {
  const dataDir = join(tmpDir('tessera-e2e-'), 'data');
  let port: number;
  let issuer: string;
  let server: Running | undefined;
  let meta: Record<string, string>;
  let auth: string;
  let jwt: string;
  let opaque: string;
  const cli = async (...args: string[]) => {
    const r = await runCli([...args, '--data', dataDir, '--json']);
    if (r.code !== 0) throw new Error(`tessera ${args.join(' ')} → ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  beforeAll(async () => {
    buildCli();
    port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    server = await startServer(dataDir, port, issuer);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('starts in dev mode: prints the issuer and first steps, warns loudly about the generated master key (0600)', async () => {
    expect(server!.stdout()).toContain(`issuer:    ${issuer}`);
    expect(server!.stdout()).toContain('tessera clients create');
    expect(server!.stderr()).toMatch(/DEV MODE: generated a master key/);
    expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
    meta = (await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, string>;
    expect(meta.issuer).toBe(issuer);
  });

  it('creates a JWT resource, an opaque resource and a client with the CLI while the server runs', async () => {
    expect(await cli('resources', 'create', '--id', JWT_API, '--format', 'jwt', '--scopes', 'orders:read orders:write', '--ttl', '10m')).toMatchObject({ id: JWT_API, format: 'jwt', ttl: 600 });
    expect(await cli('resources', 'create', '--id', OPAQUE_API, '--format', 'opaque', '--scopes', 'payments:read', '--ttl', '5m')).toMatchObject({ id: OPAQUE_API, format: 'opaque', ttl: 300 });
    const client = await cli('clients', 'create', '--name', 'e2e', '--grant-types', 'client_credentials', '--scope', 'orders:read payments:read', '--resource', JWT_API, '--resource', OPAQUE_API);
    expect(client.client_id).toEqual(expect.any(String));
    expect(client.client_secret).toEqual(expect.any(String));
    expect((client.client_secret as string).length).toBeGreaterThanOrEqual(43); // ≥ 256 bits, base64url
    auth = basic(client.client_id as string, client.client_secret as string);
    const listed = (await cli('clients', 'list')) as unknown as Record<string, unknown>[];
    expect(listed.map((c) => c.client_id)).toContain(client.client_id);
    expect(JSON.stringify(listed)).not.toContain(client.client_secret as string);
  });

  it('issues a JWT (RFC 9068) that jose verifies against the served JWKS: typ at+jwt, iss, aud, scope, exp', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await post(meta.token_endpoint!, auth, { grant_type: 'client_credentials', resource: JWT_API, scope: 'orders:read' });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('cache-control')).toContain('no-store');
    expect(r.json).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'orders:read' });
    jwt = r.json.access_token as string;
    const { payload, protectedHeader } = await jwtVerify(jwt, createRemoteJWKSet(new URL(meta.jwks_uri!)), { issuer, audience: JWT_API, typ: 'at+jwt' });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload.scope).toBe('orders:read');
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(payload.exp!).toBeGreaterThanOrEqual(before + 600);
  });

  it('issues an opaque token that introspects active (RFC 7662)', async () => {
    const r = await post(meta.token_endpoint!, auth, { grant_type: 'client_credentials', resource: OPAQUE_API, scope: 'payments:read' });
    expect(r.status, r.text).toBe(200);
    opaque = r.json.access_token as string;
    expect(opaque.split('.')).toHaveLength(1);
    const i = await post(meta.introspection_endpoint!, auth, { token: opaque });
    expect(i.status).toBe(200);
    expect(i.json).toMatchObject({ active: true, aud: OPAQUE_API, scope: 'payments:read' });
    const j = await post(meta.introspection_endpoint!, auth, { token: jwt });
    expect(j.json).toMatchObject({ active: true, aud: JWT_API });
  });

  it('revoking either kind makes introspection answer exactly {"active":false} (RFC 7009, RFC 7662 §2.2)', async () => {
    for (const token of [jwt, opaque]) {
      const r = await post(meta.revocation_endpoint!, auth, { token });
      expect(r.status, r.text).toBe(200);
      const i = await post(meta.introspection_endpoint!, auth, { token });
      expect(i.json).toEqual({ active: false });
    }
  });

  it('after a restart on the same data directory: still inactive, and the JWT still verifies against the JWKS', async () => {
    expect(await server!.stop()).toBe(0); // graceful shutdown on SIGTERM
    server = await startServer(dataDir, port, issuer);
    expect(server.stderr()).not.toMatch(/DEV MODE: generated/);
    for (const token of [jwt, opaque]) {
      const i = await post(meta.introspection_endpoint!, auth, { token });
      expect(i.json).toEqual({ active: false });
    }
    const { payload } = await jwtVerify(jwt, createRemoteJWKSet(new URL(meta.jwks_uri!)), { issuer, audience: JWT_API, typ: 'at+jwt' });
    expect(payload.scope).toBe('orders:read');
  }, 60_000);
});
