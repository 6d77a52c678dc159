// `tessera users …` on a SQLite data directory: in-process through main() (fast), and once as a real
// process with the password piped to stdin, the way an operator runs it.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { createTessera } from '@tessera/server';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAccountService, createPasswordHasher, base32Decode, hotp, startSession, totpStep } from '../../server/src/accounts/index.js';
import { main } from '../src/main.js';
import type { Io } from '../src/io.js';
import { openStore } from '../src/storage.js';
import { storeSettings } from '../src/settings.js';
import { BIN, buildCli, tmpDir } from './helpers.js';

const masterKey = randomBytes(32).toString('base64url');

/** Runs one command in-process with `stdin` as standard input. */
async function run(data: string, args: string[], stdin?: string, env: Record<string, string> = { TESSERA_MASTER_KEY: masterKey }) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => void out.push(t), err: (t) => void err.push(t), env, cwd: data, ...(stdin !== undefined && { stdin: async () => stdin }) };
  const code = await main([...args, '--data', data], io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('tessera users', { timeout: 60_000 }, () => {
  const data = tmpDir();
  let alice: { id: string; username: string };

  it('create --password-stdin --json prints the user without any password material', async () => {
    const r = await run(data, ['users', 'create', '--username', 'Alice', '--email', 'alice@example.com', '--groups', 'staff,ops', '--password-stdin', '--json'], 'correct horse battery\n');
    expect(r.code, r.stderr).toBe(0);
    alice = JSON.parse(r.stdout);
    expect(alice).toMatchObject({ username: 'alice', email: 'alice@example.com', email_verified: false, status: 'active', groups: ['staff', 'ops'], totp: 'none' });
    expect(r.stdout).not.toMatch(/argon|password|correct horse/i);
  });

  it('the password read from stdin (without its trailing newline) is the one that signs in', async () => {
    const storage = await openStore(storeSettings({ data }, {}, data));
    try {
      const accounts = createAccountService({ users: storage.users, passwords: createPasswordHasher(), masterKey: randomBytes(32), now: () => new Date() });
      expect(await accounts.authenticate('alice', 'correct horse battery')).toMatchObject({ ok: true });
      expect(await accounts.authenticate('alice', 'correct horse battery\n')).toMatchObject({ ok: false });
    } finally {
      await storage.close();
    }
  });

  it('create --password-file reads the password from a file', async () => {
    const file = join(data, 'pw.txt');
    writeFileSync(file, 'file based password\r\n', { mode: 0o600 });
    const r = await run(data, ['users', 'create', '--username', 'bob', '--email', 'bob@example.com', '--email-verified', '--password-file', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ username: 'bob', email: 'bob@example.com', email_verified: true });
  });

  it('refuses a password given as a flag value (exit 2), and says why', async () => {
    const r = await run(data, ['users', 'create', '--username', 'carol', '--password', 'hunter2hunter2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tessera: --password is not accepted: .*shell history/);
    expect((await run(data, ['users', 'show', 'carol'])).code).toBe(1);
  });

  it.each([
    ['no password source', ['users', 'create', '--username', 'dan'], /missing password/],
    ['both password sources', ['users', 'create', '--username', 'dan', '--password-stdin', '--password-file', '/x'], /not both/],
    ['no username', ['users', 'create', '--password-stdin'], /missing required flag --username/],
    ['--email-verified without --email', ['users', 'create', '--username', 'dan', '--email-verified', '--password-stdin'], /--email-verified needs --email/],
    ['an unknown sub-command', ['users', 'frob'], /unknown users command "frob"/],
    ['show without a user', ['users', 'show'], /missing USER \(id or username\)/],
    ['a bad --limit', ['users', 'list', '--limit', 'ten'], /--limit must be a number/],
    ['--limit 0', ['users', 'list', '--limit', '0'], /--limit must be a number from 1 to 500/],
    ['--limit 501', ['users', 'list', '--limit', '501'], /--limit must be a number from 1 to 500/],
    ['totp without an action', ['users', 'totp'], /missing totp command/],
    ['totp confirm without --code', ['users', 'totp', 'confirm', 'alice'], /missing required flag --code/],
  ])('exits 2 on %s', async (_what, args, reason) => {
    const r = await run(data, args as string[], 'some password');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(reason);
    expect(r.stderr).toContain('usage: tessera users');
  });

  it('field errors and a taken username exit 1 with one line naming every problem', async () => {
    const bad = await run(data, ['users', 'create', '--username', 'x', '--email', 'nope', '--password-stdin'], 'short');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^tessera: invalid user: .*username.*email.*password is too short/);
    const taken = await run(data, ['users', 'create', '--username', 'ALICE', '--password-stdin'], 'another password');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/username is already taken/);
  });

  it('list pages with --limit/--after; show finds by id or username; unknown user exits 1', async () => {
    const first = JSON.parse((await run(data, ['users', 'list', '--limit', '1', '--json'])).stdout);
    expect(first).toMatchObject({ users: [{ username: 'alice' }], next: 'alice' });
    const second = JSON.parse((await run(data, ['users', 'list', '--limit', '1', '--after', first.next, '--json'])).stdout);
    expect(second).toMatchObject({ users: [{ username: 'bob' }], next: null });
    expect(JSON.parse((await run(data, ['users', 'show', alice.id, '--json'])).stdout).username).toBe('alice');
    expect((await run(data, ['users', 'show', 'alice'])).stdout).toMatch(/username: alice/);
    const none = await run(data, ['users', 'show', 'nobody']);
    expect(none).toMatchObject({ code: 1, stderr: 'tessera: no user nobody' });
    expect((await run(data, ['users', 'list'])).stdout).toMatch(/USERNAME[\s\S]*alice[\s\S]*bob/);
  });

  it('disable revokes and reports; enable restores', async () => {
    const d = await run(data, ['users', 'disable', 'bob', '--json']);
    expect(d.code, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout)).toMatchObject({ username: 'bob', status: 'disabled', revoked_sessions: 0, revoked_tokens: 0 });
    expect(JSON.parse((await run(data, ['users', 'enable', 'bob', '--json'])).stdout).status).toBe('active');
  });

  it('totp enrol --json gives the otpauth URI and secret; a code from it confirms; reset removes it', async () => {
    const r = await run(data, ['users', 'totp', 'enrol', 'alice', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { otpauth_uri, secret } = JSON.parse(r.stdout) as { otpauth_uri: string; secret: string };
    expect(otpauth_uri).toMatch(/^otpauth:\/\/totp\/Tessera:alice\?.*secret=/);
    expect(otpauth_uri).toContain(secret);
    const code = hotp(base32Decode(secret)!, totpStep(new Date()));
    const confirmed = await run(data, ['users', 'totp', 'confirm', 'alice', '--code', code, '--json']);
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(JSON.parse(confirmed.stdout).totp).toBe('enrolled');
    expect((await run(data, ['users', 'totp', 'enrol', 'alice'])).stderr).toMatch(/reset it first/);
    expect(JSON.parse((await run(data, ['users', 'totp', 'reset', 'alice', '--json'])).stdout).totp).toBe('none');
  });

  it('totp without a master key is an error (exit 1), not a new key', async () => {
    const r = await run(data, ['users', 'totp', 'enrol', 'alice'], undefined, {});
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no master key/);
  });
});

describe('tessera users disable: back-channel logout from the CLI', { timeout: 60_000 }, () => {
  it('tells a registered client with a logout token signed by the server keys, naming --issuer and the ended session', async () => {
    const data = tmpDir();
    const tokens: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        tokens.push(new URLSearchParams(body).get('logout_token') ?? '');
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const port = (receiver.address() as AddressInfo).port;
      const user = JSON.parse((await run(data, ['users', 'create', '--username', 'erin', '--password-stdin', '--json'], 'erin password 1')).stdout) as { id: string };
      const created = await run(data, ['clients', 'create', '--name', 'rp', '--auth-method', 'none', '--grant-types', 'authorization_code', '--redirect-uri', 'https://rp.example/cb',
        '--backchannel-logout-uri', `http://127.0.0.1:${port}/bc`, '--backchannel-logout-session-required', '--json']);
      const clientId = (JSON.parse(created.stdout) as { client_id: string }).client_id;
      const storage = await openStore(storeSettings({ data }, {}, data));
      const session = startSession({ userId: user.id, amr: ['pwd'], now: new Date() });
      try {
        const at = new Date();
        await storage.grants.create({ v: 1, id: 'g1', userId: user.id, clientId, scope: ['openid'], resources: [], createdAt: at, updatedAt: at, revokedAt: null });
        await storage.sessions.create(session.record);
      } finally {
        await storage.close();
      }

      const r = await run(data, ['users', 'disable', 'erin', '--issuer', 'http://127.0.0.1:4000', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ status: 'disabled', revoked_sessions: 1, backchannel_logout: [{ client_id: clientId, sid: session.record.sid, delivered: true, outcome: 'HTTP 200' }] });
      expect(tokens).toHaveLength(1);

      // Verified against the keys a server on this store publishes.
      const keysStore = await openStore(storeSettings({ data }, {}, data));
      const server = await createTessera({ config: { issuer: 'http://127.0.0.1:4000', store: { kind: 'sqlite', filename: join(data, 'tessera.db') }, keys: { masterKey }, server: { logLevel: 'silent' } }, storage: keysStore });
      try {
        const { payload } = await jwtVerify(tokens[0]!, createLocalJWKSet(server.keys.jwks() as JSONWebKeySet), { issuer: 'http://127.0.0.1:4000', audience: clientId, typ: 'logout+jwt' });
        expect(payload).toMatchObject({ sub: user.id, sid: session.record.sid });
      } finally {
        await server.close();
        await keysStore.close();
      }
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });

  it('without a master key the user is still disabled, and stderr says clients were not told', async () => {
    const data = tmpDir();
    await run(data, ['users', 'create', '--username', 'fay', '--password-stdin'], 'fay password 1');
    const r = await run(data, ['users', 'disable', 'fay', '--json'], undefined, {});
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'disabled', backchannel_logout: null });
    expect(r.stderr).toMatch(/no master key, so clients with back-channel logout are not told/);
  });
});

describe('tessera users as a separate process', { timeout: 90_000 }, () => {
  beforeAll(() => buildCli(), 120_000);

  it('reads the password piped to --password-stdin and prints JSON', async () => {
    const data = tmpDir();
    const child = spawn(process.execPath, [BIN, 'users', 'create', '--username', 'piped', '--password-stdin', '--json', '--data', data], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end('piped password 123\n');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ username: 'piped', status: 'active' });
  });
});
