import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createMemoryStorage, openStorage, type ClientRecord, type Storage } from '@tessera/store';
import { createTessera, type Tessera, type TesseraConfigInput } from '../../src/index.js';
import { frozenClock, JWT_API, logCapture, T0 } from '../helpers.js';
import { totpCode } from './scripted-login.js';

/** A free TCP port on loopback (so the issuer can name the URL the server will listen on). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A real Tessera listening on loopback, on SQLite in a fresh temporary directory, with the real clock:
 * what end-to-end tests drive over HTTP with independent clients. `close()` also removes the directory.
 */
export async function listeningTessera(
  name: string,
  config: Omit<Partial<TesseraConfigInput>, 'issuer' | 'store' | 'keys' | 'server'> = {},
): Promise<{ tessera: Tessera; issuer: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `tessera-${name}-`));
  const port = await freePort();
  const tessera = await createTessera({
    config: {
      issuer: `http://127.0.0.1:${port}`,
      dev: true,
      store: { kind: 'sqlite', filename: join(dir, 'tessera.db') },
      keys: { masterKey: randomBytes(32) },
      server: { logLevel: 'silent', host: '127.0.0.1', port },
      ...config,
    },
  });
  const issuer = await tessera.listen();
  return {
    tessera,
    issuer,
    async close() {
      await tessera.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const PASSWORD = 'correct horse battery staple';
export const WEB_REDIRECT = 'https://app.example/cb';
export const LOOPBACK_REDIRECT = 'http://127.0.0.1/callback';
export const POST_LOGOUT = 'https://app.example/bye';

/** RFC 7636 Appendix B style pair. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeFixture {
  tessera: Tessera;
  storage: Storage;
  clock: ReturnType<typeof frozenClock>;
  logs: ReturnType<typeof logCapture>;
  /** Where the server listens; also the issuer. */
  base: string;
  /** A public client (`none`) with a web and a loopback redirect URI and a post-logout URI. */
  client: ClientRecord;
  /** alice: password only. */
  alice: { id: string; username: string };
  /** bob: password + confirmed TOTP. */
  bob: { id: string; username: string; totpSecret: string };
  /** The PKCE verifier matching the challenge {@link authorizeUrl} sends. */
  verifier: string;
  /** Build an authorization URL for `client` with PKCE and state; `params` override or add (null removes). */
  authorizeUrl(params?: Record<string, string | null>): string;
  close(): Promise<void>;
}

export function clientRecord(overrides: Partial<ClientRecord> = {}): ClientRecord {
  const at = new Date(T0);
  return {
    v: 1,
    clientId: 'web-app',
    name: 'Web App',
    secretHash: null,
    authMethods: ['none'],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile', 'email', 'offline_access', 'read', 'write'],
    resources: [JWT_API],
    redirectUris: [WEB_REDIRECT, LOOPBACK_REDIRECT],
    jwks: null,
    metadata: { post_logout_redirect_uris: [POST_LOGOUT] },
    disabled: false,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** Which storage a fixture runs on: memory (default), SQLite in memory, or PostgreSQL in a fresh schema. */
export type FixtureStore = 'memory' | 'sqlite' | { postgres: string };

async function openFixtureStorage(store: FixtureStore, now: () => number): Promise<{ storage: Storage; drop(): Promise<void> }> {
  if (store === 'memory') return { storage: createMemoryStorage({ now }), drop: async () => undefined };
  if (store === 'sqlite') return { storage: await openStorage({ kind: 'sqlite', filename: ':memory:' }), drop: async () => undefined };
  const schema = `tessera_h1_${randomBytes(6).toString('hex')}`;
  return {
    storage: await openStorage({ kind: 'postgres', url: store.postgres, schema }),
    async drop() {
      const client = new pg.Client({ connectionString: store.postgres });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    },
  };
}

/** A listening server (memory storage unless told, frozen clock) with a public web client and two users. */
export async function authorizeFixture(config: Partial<TesseraConfigInput> = {}, store: FixtureStore = 'memory'): Promise<AuthorizeFixture> {
  const clock = frozenClock();
  const logs = logCapture();
  const { storage, drop } = await openFixtureStorage(store, clock.now);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const tessera = await createTessera({
    config: {
      issuer: base,
      dev: true,
      store: { kind: 'memory' },
      keys: { masterKey: Buffer.alloc(32, 7) },
      ...config,
      server: { host: '127.0.0.1', port, logLevel: 'info', ...config.server },
    },
    storage,
    now: clock.now,
    logStream: logs.stream,
  });
  await tessera.admin.createResource({ id: JWT_API, tokenFormat: 'jwt', ttl: '10m', scopes: ['read', 'write'] });
  const client = clientRecord();
  await storage.clients.create(client);
  const alice = await tessera.admin.users.create({ username: 'alice', password: PASSWORD });
  const bob = await tessera.admin.users.create({ username: 'bob', password: PASSWORD });
  const enrol = await tessera.admin.users.totp.start(bob.id);
  await tessera.admin.users.totp.confirm(bob.id, totpCode(enrol.secret, clock.now()));
  // The confirmation used the current step: move on so the first sign-in gets a fresh code.
  clock.advance(30);
  await tessera.listen();
  const { verifier, challenge } = pkce();
  return {
    tessera,
    storage,
    clock,
    logs,
    base,
    client,
    alice: { id: alice.id, username: 'alice' },
    bob: { id: bob.id, username: 'bob', totpSecret: enrol.secret },
    verifier,
    authorizeUrl(params = {}) {
      const all: Record<string, string | null> = {
        response_type: 'code',
        client_id: client.clientId,
        redirect_uri: WEB_REDIRECT,
        scope: 'openid profile',
        state: 'st-123',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        ...params,
      };
      const query = new URLSearchParams(Object.entries(all).filter((e): e is [string, string] => e[1] !== null));
      return `${base}/authorize?${query}`;
    },
    async close() {
      await tessera.close();
      await storage.close();
      await drop();
    },
  };
}
