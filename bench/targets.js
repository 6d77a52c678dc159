// The servers under test. A target = { name, start() → handle }; a handle carries the server process
// (see lib/process.js) plus what scenarios need: endpoints and a client's credentials.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEER_CLIENT, PEER_RESOURCES, PEER_SCOPE } from './peers/oidc-provider.js';
import { freePort, startServer } from './lib/process.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const CLI = here('../packages/cli/bin/tessera.js');
export const SERVER_CPU = 0;

/** The JWT access-token algorithm both servers sign with (bench/run.js --alg). */
export const benchAlg = () => process.env.TESSERA_BENCH_ALG ?? 'ES256';

const basic = (id, secret) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function discover(base, path) {
  const res = await fetch(new URL(path, base));
  if (!res.ok) throw new Error(`discovery ${path} answered ${res.status}`);
  return res.json();
}

export const floor = {
  name: 'floor',
  description: 'Fastify hello-world',
  async start() {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = await startServer({ name: 'floor', command: process.execPath, args: [here('./peers/floor.js'), String(port)], cpu: SERVER_CPU, readyUrl: url });
    return { proc, url };
  },
};

export const oidcProvider = {
  name: 'oidc-provider',
  description: 'oidc-provider 9.x, in-memory adapter',
  async start() {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = await startServer({ name: 'oidc-provider', command: process.execPath, args: [here('./peers/oidc-provider.js'), String(port), benchAlg()], cpu: SERVER_CPU, readyUrl: `${url}/.well-known/openid-configuration` });
    const meta = await discover(url, '/.well-known/openid-configuration');
    return {
      proc,
      url,
      tokenEndpoint: meta.token_endpoint,
      introspectionEndpoint: meta.introspection_endpoint,
      authorization: basic(PEER_CLIENT.id, PEER_CLIENT.secret),
      resources: PEER_RESOURCES,
      scope: PEER_SCOPE,
    };
  },
};

/** Run the Tessera CLI synchronously (fixtures only, not measured); returns parsed `--json` output. */
function cli(args, env) {
  const r = spawnSync(process.execPath, [CLI, ...args, '--json'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tessera ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout);
}

export const tessera = {
  name: 'tessera',
  description: 'Tessera, SQLite (durable, WAL)',
  async start() {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
    const env = { TESSERA_DATA_DIR: dir, TESSERA_LOG_LEVEL: 'warn', TESSERA_ACCESS_TOKEN_ALG: benchAlg() };
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let proc;
    try {
      proc = await startServer({
        name: 'tessera',
        command: process.execPath,
        // TESSERA_BENCH_NODE_ARGS: extra node flags for the Tessera server only (e.g. "--perf-basic-prof").
        args: [...(process.env.TESSERA_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), CLI, 'start', '--dev', '--port', String(port), '--host', '127.0.0.1', '--issuer', url],
        env,
        cpu: SERVER_CPU,
        readyUrl: `${url}/.well-known/oauth-authorization-server`,
      });
      const resources = { jwt: 'https://api.bench.test/jwt', opaque: 'https://api.bench.test/opaque' };
      const scope = 'read write';
      for (const [format, id] of Object.entries(resources)) {
        cli(['resources', 'create', '--id', id, '--format', format, '--scopes', scope, '--ttl', '1h'], env);
      }
      const client = cli(['clients', 'create', '--name', 'bench', '--grant-types', 'client_credentials', '--scope', scope, '--resource', resources.jwt, '--resource', resources.opaque], env);
      const meta = await discover(url, '/.well-known/oauth-authorization-server');
      return {
        proc,
        url,
        tokenEndpoint: meta.token_endpoint,
        introspectionEndpoint: meta.introspection_endpoint,
        authorization: basic(client.client_id, client.client_secret),
        resources,
        scope,
        cleanup: () => rmSync(dir, { recursive: true, force: true }),
      };
    } catch (err) {
      await proc?.stop();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  },
};

export const targets = [floor, tessera, oidcProvider];
