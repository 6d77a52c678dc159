// Admin commands as separate processes on a SQLite data directory, and how `tessera start` treats its settings.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, buildCli, runCli, tmpDir } from './helpers.js';

beforeAll(() => buildCli(), 120_000);

const API = 'https://api.example.com/v1';

describe('tessera clients / resources / keys on a data directory', { timeout: 90_000 }, () => {
  const data = tmpDir();
  const masterKey = randomBytes(32).toString('base64url');
  const run = (...args: string[]) => runCli([...args, '--data', data], { TESSERA_MASTER_KEY: masterKey });

  it('clients create --json prints parseable JSON with a client_id and a 256-bit secret, shown once', async () => {
    expect((await run('resources', 'create', '--id', API, '--format', 'opaque', '--scopes', 'read,write', '--json')).code).toBe(0);
    const r = await run('clients', 'create', '--name', 'billing', '--scope', 'read', '--resource', API, '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ name: 'billing', grant_types: ['client_credentials'], scope: 'read', resources: [API] });
    expect(out.client_secret).toMatch(/^tcs_[A-Za-z0-9_-]{43}$/);
    const list = await run('clients', 'list', '--json');
    expect(list.stdout).toContain(out.client_id as string);
    expect(list.stdout).not.toContain(out.client_secret as string);
    expect(list.stdout).not.toMatch(/secret/i);
  });

  it('clients create --grant-types none (or an empty value) makes a client that gets no grant, not the default', async () => {
    for (const value of ['none', '']) {
      const r = await run('clients', 'create', '--name', 'introspector', '--grant-types', value, '--resource', API, '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ grant_types: [], resources: [API] });
    }
    const mixed = await run('clients', 'create', '--name', 'x', '--grant-types', 'none,client_credentials');
    expect([mixed.code, mixed.stderr]).toEqual([2, expect.stringContaining('--grant-types none cannot be combined')]);
  });

  it('warns on stderr about a scope none of the client\'s resources offers (it could never be granted), and still creates it', async () => {
    const r = await run('clients', 'create', '--name', 'typo', '--scope', 'read reports:raed openid', '--resource', API, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('tessera: warning: scope "reports:raed" is offered by none of the client\'s resources, so no token can carry it (see tessera resources list)\n');
    expect(JSON.parse(r.stdout)).toMatchObject({ scope: 'read reports:raed openid' });
    const fine = await run('clients', 'create', '--name', 'fine', '--scope', 'read write', '--resource', API);
    expect(fine.stderr).toBe('');
  });

  it('refuses a client for an unregistered resource with a one-line reason (exit 1)', async () => {
    const r = await run('clients', 'create', '--name', 'x', '--resource', 'https://nowhere.example');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tessera: .*not registered/);
  });

  it('refuses a duplicate resource and a ttl outside the server bounds (exit 1)', async () => {
    expect((await run('resources', 'create', '--id', API, '--format', 'jwt')).stderr).toMatch(/already exists/);
    const r = await run('resources', 'create', '--id', 'https://api.example.com/v2', '--format', 'jwt', '--ttl', '30d');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tessera: invalid resource: ttl/);
  });

  it('deletes a client, and says so when there was none (exit 1)', async () => {
    const created = JSON.parse((await run('clients', 'create', '--name', 'tmp', '--json')).stdout) as { client_id: string };
    expect(JSON.parse((await run('clients', 'delete', created.client_id, '--json')).stdout)).toEqual({ client_id: created.client_id, deleted: true });
    const again = await run('clients', 'delete', created.client_id);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(`no client ${created.client_id}`);
  });

  it('keys rotate --immediate retires the current key; keys list --json shows states but no key material', async () => {
    const first = JSON.parse((await run('keys', 'rotate', '--json')).stdout) as { kid: string; state: string; alg: string }[];
    const current = first.find((k) => k.state === 'current')!;
    expect(current).toBeDefined();
    const rotated = await run('keys', 'rotate', '--immediate', '--json');
    expect(rotated.code, rotated.stderr).toBe(0);
    const keys = JSON.parse(rotated.stdout) as Record<string, unknown>[];
    expect(keys.find((k) => k.kid === current.kid)).toMatchObject({ state: 'retired', remove_after: expect.any(String) });
    // One current key per algorithm (access tokens, and each ID-token algorithm).
    expect(keys.filter((k) => k.state === 'current' && k.alg === current.alg)).toHaveLength(1);
    const listed = await run('keys', 'list', '--json');
    expect(JSON.parse(listed.stdout)).toEqual(keys);
    expect(listed.stdout).not.toMatch(/private|encrypted|"d"/i);
  });

  it('keys rotate without a master key is an error, not a new key (exit 1)', async () => {
    const r = await runCli(['keys', 'rotate', '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no master key/);
  });
});

describe('tessera start failures are one clear message: exit 2 for a setting, 1 for the rest', { timeout: 90_000 }, () => {
  it('rejects a plain-http issuer for a non-local host (an invalid setting: exit 2)', async () => {
    const r = await runCli(['start', '--dev', '--data', tmpDir(), '--port', '0', '--issuer', 'http://id.example.com']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/issuer must use https/);
  });

  it('reports a port already in use (exit 1)', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as { port: number };
    try {
      const r = await runCli(['start', '--dev', '--data', tmpDir(), '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/EADDRINUSE/);
    } finally {
      busy.close();
    }
  });
});

describe('tessera start --port 0 without an issuer', { timeout: 90_000 }, () => {
  it('listens on a free port and names that port in the issuer, never localhost:0', async () => {
    const child = spawn(process.execPath, [BIN, 'start', '--dev', '--data', tmpDir(), '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', TESSERA_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const deadline = Date.now() + 30_000;
      while (!/discovery:/.test(out)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no start:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const listening = /listening on (http:\/\/\S+)/.exec(out)![1]!;
      const issuer = /issuer: +(\S+)/.exec(out)![1]!;
      const port = new URL(listening).port;
      expect(Number(port)).toBeGreaterThan(0);
      expect(issuer).toBe(`http://localhost:${port}`);
      const meta = (await (await fetch(`${listening}/.well-known/oauth-authorization-server`)).json()) as { issuer: string; token_endpoint: string };
      expect(meta.issuer).toBe(issuer);
      expect(meta.token_endpoint).toBe(`${issuer}/token`);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
