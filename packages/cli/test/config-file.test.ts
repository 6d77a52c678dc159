// `tessera start --config FILE` / TESSERA_CONFIG: a JSON file shaped like the server's config schema.
// Precedence is flag > environment > file > default; an unusable file stops the command with exit 2 and
// every bad setting named by its path, and nothing of the file's content in the message.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMemoryStorage } from '@tessera/store';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { ConfigFileError } from '../src/args.js';
import { main } from '../src/main.js';
import { adminFor, checkConfig, startTessera } from '../src/server-api.js';
import { startSettings, storeSettings } from '../src/settings.js';
import { memoryIo, tmpDir } from './helpers.js';

const WEBHOOK_SECRET = 'whsec-0123456789abcdef0123456789abcdef-do-not-print';

/** A config file in a fresh directory; returns the directory and the file's path. */
function configFile(content: unknown, name = 'tessera.json'): { dir: string; path: string } {
  const dir = tmpDir('tessera-config-');
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return { dir, path };
}

/**
 * `tessera start …` in-process, without a master key: a refused config returns before anything is
 * opened; one that got through would fail later with exit 1 (no master key), never listen.
 */
async function start(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const io = memoryIo({ TESSERA_LOG_LEVEL: 'silent', ...env }, cwd);
  const code = await main(['start', ...args], io);
  return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}

describe('config file precedence: flag > environment > file > default', () => {
  const { dir, path } = configFile({
    issuer: 'https://id.file.example',
    server: { port: 4100, host: '0.0.0.0', logLevel: 'warn' },
    keys: { accessTokenAlg: 'EdDSA', rotationPeriod: '7d' },
    store: { kind: 'sqlite', filename: 'db/tessera.db' },
  });

  it('takes each setting from the file when neither a flag nor a variable gives it', () => {
    const s = startSettings({ config: path }, {}, '/elsewhere');
    expect(s).toMatchObject({ port: 4100, host: '0.0.0.0', issuer: 'https://id.file.example', logLevel: 'warn', configFile: path });
    expect(s.config).toMatchObject({ keys: { accessTokenAlg: 'EdDSA', rotationPeriod: '7d' } });
    // A relative SQLite filename is relative to the config file, not to the working directory.
    expect(s.store).toEqual({ kind: 'sqlite', dataDir: join(dir, 'db'), filename: join(dir, 'db/tessera.db') });
  });

  it('lets the environment beat the file (PORT, HOST, TESSERA_ISSUER, TESSERA_LOG_LEVEL, TESSERA_DATA_DIR, TESSERA_ACCESS_TOKEN_ALG)', () => {
    const env = { PORT: '4200', HOST: '127.0.0.2', TESSERA_ISSUER: 'https://id.env.example', TESSERA_LOG_LEVEL: 'error', TESSERA_DATA_DIR: '/var/lib/t', TESSERA_ACCESS_TOKEN_ALG: 'RS256' };
    const s = startSettings({ config: path }, env, '/');
    expect(s).toMatchObject({ port: 4200, host: '127.0.0.2', issuer: 'https://id.env.example', logLevel: 'error' });
    expect(s.store).toEqual({ kind: 'sqlite', dataDir: '/var/lib/t', filename: '/var/lib/t/tessera.db' });
    expect(s.config).toMatchObject({ keys: { accessTokenAlg: 'RS256', rotationPeriod: '7d' } });
  });

  it('lets a flag beat the environment and the file', () => {
    const s = startSettings({ config: path, port: '4300', host: '::1', issuer: 'https://id.flag.example', data: 'here' }, { PORT: '4200', HOST: 'x', TESSERA_ISSUER: 'https://id.env.example' }, '/srv');
    expect(s).toMatchObject({ port: 4300, host: '::1', issuer: 'https://id.flag.example' });
    expect(s.store.dataDir).toBe('/srv/here');
  });

  it('defaults what none of them gives; the default issuer follows the file\'s port', () => {
    const bare = configFile({ server: { port: 4400 } });
    const s = startSettings({}, { TESSERA_CONFIG: bare.path }, '/srv');
    expect(s).toMatchObject({ port: 4400, host: '127.0.0.1', issuer: 'http://localhost:4400', logLevel: 'info', dev: false });
    expect(s.store).toEqual({ kind: 'sqlite', dataDir: '/srv/data', filename: '/srv/data/tessera.db' });
  });

  it('reads TESSERA_CONFIG when --config is not given, and --config over TESSERA_CONFIG', () => {
    const other = configFile({ server: { port: 4500 } });
    expect(startSettings({}, { TESSERA_CONFIG: path }, '/').port).toBe(4100);
    expect(startSettings({ config: other.path }, { TESSERA_CONFIG: path }, '/').port).toBe(4500);
  });

  it('takes a PostgreSQL store (url, schema) from the file, and --store/--database-url over it', () => {
    const pg = configFile({ store: { kind: 'postgres', url: 'postgres://u@db/tessera', schema: 'tenant_a' } });
    expect(storeSettings({ config: pg.path }, {}, '/srv')).toEqual({ kind: 'postgres', dataDir: '/srv/data', url: 'postgres://u@db/tessera', schema: 'tenant_a' });
    expect(storeSettings({ config: pg.path, 'database-url': 'postgres://other/db' }, {}, '/srv')).toMatchObject({ url: 'postgres://other/db' });
    expect(storeSettings({ config: pg.path, store: 'sqlite' }, {}, '/srv')).toEqual({ kind: 'sqlite', dataDir: '/srv/data', filename: '/srv/data/tessera.db' });
  });

  it('keeps TESSERA_DEVICES_CONFIG and TESSERA_POLICY_FILE/PRESET working, as overrides of the file\'s sections', () => {
    const f = configFile({ devices: { maxReportAge: '2d' }, policy: { text: '@id("file") permit (principal, action, resource);', decisionCacheSize: 10 } });
    writeFileSync(join(f.dir, 'devices.json'), JSON.stringify({ requireManaged: false }));
    writeFileSync(join(f.dir, 'policy.cedar'), '@id("env") permit (principal, action, resource);');
    expect(startSettings({ config: f.path }, {}, f.dir)).toMatchObject({ devices: { maxReportAge: '2d' }, policy: { decisionCacheSize: 10 } });
    expect(startSettings({ config: f.path }, { TESSERA_DEVICES_CONFIG: 'devices.json' }, f.dir).devices).toEqual({ requireManaged: false });
    expect(startSettings({ config: f.path }, { TESSERA_POLICY_FILE: 'policy.cedar' }, f.dir).policy).toEqual({ text: '@id("env") permit (principal, action, resource);', decisionCacheSize: 10 });
    // A preset from the environment must not lose to the file's text (text wins over any preset).
    expect(startSettings({ config: f.path }, { TESSERA_POLICY_PRESET: 'device-trust' }, f.dir).policy).toEqual({ preset: 'device-trust', decisionCacheSize: 10 });
  });

  it('refuses TESSERA_ACCESS_TOKEN_ALG outside ES256, EdDSA, RS256', () => {
    expect(() => startSettings({}, { TESSERA_ACCESS_TOKEN_ALG: 'HS256' }, '/')).toThrow(/TESSERA_ACCESS_TOKEN_ALG must be one of ES256, EdDSA, RS256/);
  });
});

describe('a config file that cannot be used stops the start: exit 2, each problem by its path, no stack', () => {
  it('refuses unknown keys (typos) with their paths, at any depth, and creates no data directory', async () => {
    const { dir, path } = configFile({
      keys: { acessTokenAlg: 'EdDSA' },
      tokenz: {},
      store: { kind: 'sqlite', filename: 'x.db', journal: 'wal' },
      devices: { uem: { sources: { acme: { secrets: [WEBHOOK_SECRET], secret: WEBHOOK_SECRET } } } },
    });
    const r = await start(['--config', path], {}, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tessera: invalid settings in config file /);
    for (const p of ['keys.acessTokenAlg', 'tokenz', 'store.journal', 'devices.uem.sources.acme.secret']) expect(r.stderr).toContain(`  ${p}: unknown setting`);
    expect(r.stderr).not.toContain(WEBHOOK_SECRET);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
    expect(r.stderr).not.toContain('usage:');
    expect(existsSync(join(dir, 'x.db'))).toBe(false);
  });

  it('refuses bad values with their paths and the schema\'s expectation (keys.accessTokenAlg, a duration, a port, a short webhook secret)', async () => {
    const shortSecret = 'too-short-secret-value';
    const { dir, path } = configFile({
      keys: { accessTokenAlg: 'HS256' },
      ttl: { accessTokenMax: 'forever' },
      server: { port: 70_000 },
      devices: { uem: { sources: { acme: { secrets: [shortSecret] } } } },
    });
    const r = await start(['--config', path, '--data', join(dir, 'data')], {}, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('keys.accessTokenAlg: Invalid option: expected one of "ES256"|"EdDSA"|"RS256"');
    expect(r.stderr).toMatch(/ttl\.accessTokenMax: "forever" is not a duration/);
    expect(r.stderr).toContain('server.port: Too big: expected number to be <=65535');
    expect(r.stderr).not.toMatch(/^\s+issuer:/m); // the default issuer made from that port is not a second problem
    expect(r.stderr).toContain('devices.uem.sources.acme.secrets[0]: a webhook secret needs at least 32 characters');
    expect(r.stderr).not.toContain(shortSecret);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('refuses keys named like Object.prototype members ("__proto__", "toString") as unknown, not as a crash', async () => {
    const { dir, path } = configFile('{ "__proto__": { "dev": true }, "keys": { "toString": 1 } }');
    const r = await start(['--config', path], {}, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('  __proto__: unknown setting');
    expect(r.stderr).toContain('  keys.toString: unknown setting');
  });

  it('refuses a setting of the wrong JSON type that the CLI itself reads (server.host)', async () => {
    const { path } = configFile({ server: { host: 8080 } });
    const r = await start(['--config', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tessera: config file ${path}: server.host: expected a string`);
  });

  it('refuses the master key in the file, pointing to TESSERA_MASTER_KEY_FILE', async () => {
    const { path } = configFile({ keys: { masterKey: 'c2VjcmV0LW1hc3Rlci1rZXktMzItYnl0ZXMtbG9uZyEh' } });
    const r = await start(['--config', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/keys\.masterKey is not read from a config file; set TESSERA_MASTER_KEY_FILE/);
    expect(r.stderr).not.toContain('c2VjcmV0');
  });

  it('refuses the memory store (the CLI serves sqlite or postgres)', async () => {
    const { path } = configFile({ store: { kind: 'memory' } });
    const r = await start(['--config', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/store\.kind: expected "sqlite" or "postgres"/);
  });

  it('reports an unreadable file by path and reason (missing; a directory), from --config or TESSERA_CONFIG', async () => {
    const dir = tmpDir('tessera-config-');
    const missing = await start(['--config', 'nope.json'], {}, dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`tessera: --config: cannot read ${join(dir, 'nope.json')} (ENOENT)`);
    mkdirSync(join(dir, 'conf.d'));
    const directory = await start([], { TESSERA_CONFIG: 'conf.d' }, dir);
    expect(directory.code).toBe(2);
    expect(directory.stderr).toBe(`tessera: TESSERA_CONFIG: cannot read ${join(dir, 'conf.d')} (EISDIR)`);
  });

  it('reports invalid JSON without quoting the file (it may hold secrets), with the position when known', async () => {
    const broken = configFile(`{\n  "devices": { "uem": { "sources": { "acme": { "secrets": [${WEBHOOK_SECRET}] } } } }\n}`);
    const r = await start(['--config', broken.path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tessera: --config: ${broken.path} is not valid JSON`);
    expect(r.stderr).not.toContain('whsec');

    const truncated = configFile(`{\n  "keys": { "accessTokenAlg": "EdDSA" }\n  "ttl": {}\n}`);
    expect((await start(['--config', truncated.path])).stderr).toBe(`tessera: --config: ${truncated.path} is not valid JSON (at line 3, column 3)`);
    const empty = configFile('');
    expect((await start(['--config', empty.path])).stderr).toBe(`tessera: --config: ${empty.path} is not valid JSON (the file is empty)`);
  });

  it('refuses a file that is not one JSON object', async () => {
    const { path } = configFile([{ keys: {} }]);
    const r = await start(['--config', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tessera: config file ${path}: expected one JSON object (the settings), not an array`);
  });

  it('is a ConfigFileError for callers of startSettings', () => {
    const { path } = configFile('[');
    expect(() => startSettings({ config: path }, {}, '/')).toThrow(ConfigFileError);
  });
});

describe('TESSERA_ACCESS_TOKEN_ALG over the file, on a started server', { timeout: 30_000 }, () => {
  it('signs access tokens with the variable\'s algorithm, not the file\'s', async () => {
    const { dir, path } = configFile({ keys: { accessTokenAlg: 'EdDSA' } });
    const settings = startSettings({ config: path, port: '0' }, { TESSERA_ACCESS_TOKEN_ALG: 'RS256', TESSERA_LOG_LEVEL: 'silent' }, dir);
    const storage = createMemoryStorage();
    const server = await startTessera(storage, { ...settings, dev: true }, Buffer.alloc(32, 7));
    try {
      const admin = adminFor(storage);
      await admin.createResource({ id: 'https://api.example.com', tokenFormat: 'jwt', scopes: ['read'] });
      const { client, clientSecret } = await admin.createClient({ name: 'c', scopes: ['read'], resources: ['https://api.example.com'], grantTypes: ['client_credentials'], authMethod: 'client_secret_basic', redirectUris: [], metadata: {} });
      const res = await fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${client.clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: 'https://api.example.com', scope: 'read' }),
      });
      expect(res.status).toBe(200);
      expect(decodeProtectedHeader(((await res.json()) as { access_token: string }).access_token).alg).toBe('RS256');
    } finally {
      await server.close();
      await storage.close();
    }
  });
});

describe('keys rotate reads the same config file as start', { timeout: 30_000 }, () => {
  const env = { TESSERA_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'), TESSERA_LOG_LEVEL: 'silent' };

  it('keeps keys for the file\'s keys.accessTokenAlg and tokens.idTokenAlgs only', async () => {
    const { dir, path } = configFile({ keys: { accessTokenAlg: 'EdDSA' }, tokens: { idTokenAlgs: ['RS256'] } });
    const io = memoryIo(env, dir);
    expect(await main(['keys', 'rotate', '--config', path, '--data', join(dir, 'data'), '--json'], io), io.stderr.join('\n')).toBe(0);
    const keys = JSON.parse(io.stdout.join('\n')) as { alg: string }[];
    expect(new Set(keys.map((k) => k.alg))).toEqual(new Set(['EdDSA', 'RS256']));
  });

  it('refuses an invalid file with exit 2 before rotating', async () => {
    const { dir, path } = configFile({ keys: { rotationPeriod: '10m' } });
    const io = memoryIo(env, dir);
    expect(await main(['keys', 'rotate', '--config', path, '--data', join(dir, 'data')], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/keys\.rotationPeriod: duration must be between 3600s/);
    const listed = memoryIo(env, dir);
    await main(['keys', 'list', '--data', join(dir, 'data'), '--json'], listed);
    expect(JSON.parse(listed.stdout.join('\n'))).toEqual([]);
  });
});

describe('the README\'s config file example', () => {
  it('is a valid config file', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'));
    const example = /```json\n([\s\S]*?)\n```/.exec(section)![1]!;
    const { dir, path } = configFile(example);
    const settings = startSettings({ config: path }, {}, dir);
    expect(() => checkConfig(settings)).not.toThrow();
    expect(settings.config).toMatchObject({ keys: { accessTokenAlg: 'EdDSA' } });
  });

  it('is refused with a typo in it (so the check above can fail)', () => {
    const { dir, path } = configFile({ keys: { accessTokenAlgs: 'EdDSA' } });
    expect(() => checkConfig(startSettings({ config: path }, {}, dir))).toThrow(/keys\.accessTokenAlgs: unknown setting/);
  });
});
