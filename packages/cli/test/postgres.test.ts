// `--store postgres`: the same commands against PostgreSQL, in a database of its own (created and
// dropped here) so that other suites truncating their tables cannot disturb it. Runs when
// TESSERA_TEST_PG_URL is set (.ci/run sets it).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultFanoutConfig, openFanout, type FanoutMessage } from '@tessera/store';
import { buildCli, runCli, tmpDir } from './helpers.js';

const baseUrl = process.env.TESSERA_TEST_PG_URL;
const dbName = `tessera_cli_${randomBytes(4).toString('hex')}`;

describe.skipIf(!baseUrl)('tessera with --store postgres', { timeout: 90_000 }, () => {
  let url: string;
  const env = () => ({ TESSERA_STORE: 'postgres', TESSERA_DATABASE_URL: url, TESSERA_MASTER_KEY: masterKey });
  const masterKey = randomBytes(32).toString('base64url');

  beforeAll(async () => {
    buildCli();
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const u = new URL(baseUrl!);
    u.pathname = `/${dbName}`;
    url = u.toString();
  }, 120_000);

  afterAll(async () => {
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  });

  it('creates and lists resources and clients, and rotates keys, in PostgreSQL (TESSERA_STORE / TESSERA_DATABASE_URL)', async () => {
    const data = tmpDir(); // holds nothing: the state is in PostgreSQL
    const run = (...args: string[]) => runCli([...args, '--data', data, '--json'], env());
    expect((await run('resources', 'create', '--id', 'https://api.example.com', '--format', 'jwt', '--scopes', 'read')).code).toBe(0);
    const created = await run('clients', 'create', '--name', 'pg', '--scope', 'read', '--resource', 'https://api.example.com');
    expect(created.code, created.stderr).toBe(0);
    const { client_id } = JSON.parse(created.stdout) as { client_id: string };
    expect(JSON.parse((await run('clients', 'list')).stdout)).toEqual([expect.objectContaining({ client_id, resources: ['https://api.example.com'] })]);
    const keys = JSON.parse((await run('keys', 'rotate')).stdout) as { state: string; alg: string }[];
    // Each algorithm the server signs with (access tokens, ID tokens) has one current and one next key.
    for (const alg of new Set(keys.map((k) => k.alg))) {
      expect(keys.filter((k) => k.alg === alg).map((k) => k.state).sort()).toEqual(['current', 'next']);
    }
    expect(keys.some((k) => k.alg === 'RS256')).toBe(true);
  });

  it('takes the store from a config file (--config): url and schema, the tables in that schema', async () => {
    const dir = tmpDir();
    const config = join(dir, 'tessera.json');
    writeFileSync(config, JSON.stringify({ store: { kind: 'postgres', url, schema: 'from_config' } }));
    const r = await runCli(['resources', 'create', '--id', 'https://api.example.com/cfg', '--format', 'opaque', '--config', config, '--data', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT id FROM from_config.resources');
      expect(rows).toEqual([{ id: 'https://api.example.com/cfg' }]);
    } finally {
      await db.end();
    }
  });

  it('clients delete tells running nodes at once (cache.invalidate on the database\'s fan-out), not after clientCacheTtl', async () => {
    const data = tmpDir();
    const run = (...args: string[]) => runCli([...args, '--data', data, '--json'], env());
    expect((await run('resources', 'create', '--id', 'https://api.example.com/del', '--format', 'jwt', '--scopes', 'read')).code).toBe(0);
    const created = await run('clients', 'create', '--name', 'doomed', '--scope', 'read', '--resource', 'https://api.example.com/del');
    const { client_id } = JSON.parse(created.stdout) as { client_id: string };
    // What a running node on this database listens to.
    const node = openFanout(defaultFanoutConfig({ kind: 'postgres', url }));
    const heard: FanoutMessage[] = [];
    node.subscribe('cache.invalidate', (m) => void heard.push(m));
    await node.ready();
    try {
      const deleted = await run('clients', 'delete', client_id);
      expect(deleted.code, deleted.stderr).toBe(0);
      await vi.waitFor(() => expect(heard).toEqual([{ kind: 'client', id: client_id, origin: 'cli' }]), { timeout: 5_000 });
      // Nothing deleted, nothing announced.
      expect((await run('clients', 'delete', client_id)).code).toBe(1);
      await new Promise((r) => setTimeout(r, 200));
      expect(heard).toHaveLength(1);
    } finally {
      await node.close();
    }
  });

  it('refuses --store postgres without a URL (an invalid setting: exit 2)', async () => {
    const r = await runCli(['clients', 'list', '--store', 'postgres']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs --database-url/);
  });
});
