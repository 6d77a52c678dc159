import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startNode, type Started } from '../device-trust/processes.js';

/**
 * Issue 4's end-to-end acceptance as a user runs it: three processes talking real HTTP — `tessera start`
 * on its default SQLite store, set up with the CLI; the example API (`server.js`, its guard with the
 * defaults but for the flags named); and this test as the client. Key rotation is done with
 * `tessera keys rotate` against the running server's data directory, as an operator would.
 */
const CLI = fileURLToPath(new URL('../../packages/cli/bin/tessera.js', import.meta.url));
const API = new URL('./server.js', import.meta.url);
const built = existsSync(fileURLToPath(new URL('../../packages/guard/dist/index.js', import.meta.url)))
  && existsSync(fileURLToPath(new URL('../../packages/cli/dist/index.js', import.meta.url)));
const JWT_API = 'https://reports.example.com';
const OPAQUE_API = 'https://opaque-reports.example.com';
/** introspection.cacheMaxAge of the API that also introspects JWTs: the documented revocation bound. */
const CACHE_MAX_AGE = 2;

interface Client { client_id: string; client_secret: string }
interface ApiInfo { listening: string }

let dir = '';
let issuer = '';
let tessera: Started<unknown> | undefined;
const apis: Started<ApiInfo>[] = [];
let svc: Client;
let introspector: Client;

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args, '--data', dir, '--config', join(dir, 'config.json')], {
    env: { ...process.env, TESSERA_LOG_LEVEL: 'silent' },
  });
  return stdout;
}

const tokenRequest = (client: Client, resource: string) => fetch(`${issuer}/token`, {
  method: 'POST',
  headers: { authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` },
  body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'reports:read' }),
});

async function token(resource: string): Promise<string> {
  const res = await tokenRequest(svc, resource);
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function revoke(value: string): Promise<void> {
  const res = await fetch(`${issuer}/revoke`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${svc.client_id}:${svc.client_secret}`).toString('base64')}` },
    body: new URLSearchParams({ token: value }),
  });
  expect(res.status).toBe(200);
}

const call = (api: Started<ApiInfo>, accessToken: string) =>
  fetch(`${api.info.listening}/v1/reports`, { headers: { authorization: `Bearer ${accessToken}` } });

const kidOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

/** The process's first stdout line is a log line from before it listens: wait for its metadata. */
async function listening(server: Started<unknown>): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    if (server.child.exitCode !== null) break;
    const res = await fetch(`${issuer}/.well-known/oauth-authorization-server`).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`tessera start did not come up (exit code ${server.child.exitCode})\n${server.stderr()}`);
}

async function startApi(audience: string, ...flags: string[]): Promise<Started<ApiInfo>> {
  const api = await startNode<ApiInfo>(API, ['--issuer', issuer, '--audience', audience, '--port', '0', ...flags]);
  apis.push(api);
  return api;
}

describe.runIf(built)('three processes: tessera start (SQLite), the example API, a client', () => {
  let jwtApi: Started<ApiInfo>;
  let checkingApi: Started<ApiInfo>;
  let opaqueApi: Started<ApiInfo>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-api-'));
    // Fast key timings so two rotations fit in seconds; publishAhead ≥ the JWKS max-age, as the config requires.
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ keys: { jwksCacheMaxAge: 1, publishAhead: 1, tickInterval: 1 } }));
    await cli('resources', 'create', '--id', JWT_API, '--format', 'jwt', '--scopes', 'reports:read', '--ttl', '10m');
    await cli('resources', 'create', '--id', OPAQUE_API, '--format', 'opaque', '--scopes', 'reports:read', '--ttl', '10m');
    svc = JSON.parse(await cli('clients', 'create', '--name', 'svc', '--grant-types', 'client_credentials', '--scope', 'reports:read',
      '--resource', JWT_API, '--resource', OPAQUE_API, '--json')) as Client;
    introspector = JSON.parse(await cli('clients', 'create', '--name', 'reports-api', '--grant-types', 'none', '--resource', JWT_API, '--resource', OPAQUE_API, '--json')) as Client;
    // The port is free when chosen, but another test may bind it before Tessera does (it listens only
    // after creating its keys): then try another.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      issuer = `http://127.0.0.1:${port}`;
      tessera = await startNode(CLI, ['start', '--dev', '--port', String(port), '--issuer', issuer, '--data', dir, '--config', join(dir, 'config.json')]);
      try {
        await listening(tessera);
        break;
      } catch (error) {
        await tessera.stop();
        if (attempt === 3 || !tessera.stderr().includes('EADDRINUSE')) throw error;
      }
    }
    const credentials = ['--client-id', introspector.client_id, '--client-secret', introspector.client_secret];
    [jwtApi, checkingApi, opaqueApi] = await Promise.all([
      startApi(JWT_API, '--jwks-min-age', '1'),
      startApi(JWT_API, ...credentials, '--check-jwts', '--cache-max-age', String(CACHE_MAX_AGE)),
      startApi(OPAQUE_API, ...credentials),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(apis.map((api) => api.stop()));
    await tessera?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('a JWT from the server opens the API; no token, a token in the query, a forged one are refused per RFC 6750', async () => {
    const jwt = await token(JWT_API);
    const ok = await call(jwtApi, jwt);
    expect([ok.status, ((await ok.json()) as { client: string }).client]).toEqual([200, svc.client_id]);
    const none = await fetch(`${jwtApi.info.listening}/v1/reports`);
    expect([none.status, none.headers.get('www-authenticate')]).toEqual([401, `Bearer realm="${JWT_API}", DPoP realm="${JWT_API}", algs="ES256 EdDSA RS256 PS256"`]);
    const query = await fetch(`${jwtApi.info.listening}/v1/reports?access_token=${jwt}`);
    expect([query.status, query.headers.get('www-authenticate')]).toEqual([400, `Bearer realm="${JWT_API}", error="invalid_request", error_description="The request is malformed"`]);
    const [header, payload] = jwt.split('.');
    const forged = await call(jwtApi, `${header}.${payload}.${Buffer.alloc(64, 1).toString('base64url')}`);
    expect([forged.status, ((await forged.json()) as { error: string }).error]).toEqual([401, 'invalid_token']);
  });

  it('the API\'s own client (--grant-types none) introspects, but obtains no token itself (RFC 6749 §5.2)', async () => {
    const res = await tokenRequest(introspector, OPAQUE_API);
    expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([400, 'unauthorized_client']);
  });

  it('an opaque token opens the API by introspection and is refused on the first request after its revocation', async () => {
    const opaque = await token(OPAQUE_API);
    expect(opaque).not.toContain('.');
    expect((await call(opaqueApi, opaque)).status).toBe(200);
    await revoke(opaque);
    const refused = await call(opaqueApi, opaque);
    expect([refused.status, refused.headers.get('www-authenticate')]).toEqual([401, `Bearer realm="${OPAQUE_API}", error="invalid_token", error_description="The access token is invalid"`]);
  });

  it(`a revoked JWT is refused within introspection.cacheMaxAge (${CACHE_MAX_AGE} s) by an API that sets checkJwts`, async () => {
    const jwt = await token(JWT_API);
    expect((await call(checkingApi, jwt)).status).toBe(200);
    const revokedAt = Date.now();
    await revoke(jwt);
    // The API's cached "active" answer may stand until it is cacheMaxAge old; it was made before the revocation.
    await new Promise((resolve) => setTimeout(resolve, CACHE_MAX_AGE * 1000 + 100 - (Date.now() - revokedAt)));
    expect((await call(checkingApi, jwt)).status).toBe(401);
    // And the API without checkJwts, as documented, keeps accepting it until exp (or a deny-list event).
    expect((await call(jwtApi, jwt)).status).toBe(200);
  });

  it('keys rotated on the running server (scheduled, then emergency) never cause a false rejection under load', async () => {
    const statuses = new Map<number, number>();
    const kids = new Set<string>();
    let running = true;
    const worker = async () => {
      while (running) {
        const jwt = await token(JWT_API);
        kids.add(kidOf(jwt));
        for (let i = 0; i < 5; i++) {
          const { status } = await call(jwtApi, jwt);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await cli('keys', 'rotate'); // the published next key signs after publishAhead (1 s)
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await cli('keys', 'rotate', '--immediate'); // a new key signs at the server's next tick: the guard learns it by unknown-kid refetch
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    running = false;
    await Promise.all(workers);
    expect(kids.size).toBeGreaterThanOrEqual(3); // both rotations reached the tokens
    expect(Object.fromEntries(statuses)).toEqual({ 200: expect.any(Number) });
    expect(statuses.get(200)).toBeGreaterThan(50);
  }, 30_000);
});
