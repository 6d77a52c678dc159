import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import type { DestinationStream } from 'pino';
import { createMemoryStorage, openStorage, type AuthorizationCodeRecord, type Storage } from '@tessera/store';
import { mintOpaque } from '@tessera/token';
import { createTessera, type Tessera } from '../../src/index.js';
import { FORM, form, frozenClock, ISSUER, JWT_API, OPAQUE_API, seedKeys, TEST_MASTER_KEY } from '../helpers.js';

export type StoreKind = 'memory' | 'sqlite' | 'postgres';
const PG_URL = process.env.TESSERA_TEST_PG_URL;
/**
 * Storage matters for codes, rotation and device polls: these tests run on memory and SQLite, and on
 * PostgreSQL (a schema of their own, dropped afterwards) when TESSERA_TEST_PG_URL is set.
 */
export const STORES: readonly StoreKind[] = PG_URL ? ['memory', 'sqlite', 'postgres'] : ['memory', 'sqlite'];
export const REDIRECT = 'https://app.example.com/cb';
export const USER_SCOPES = ['openid', 'profile', 'email', 'read', 'write'];

export interface Client {
  id: string;
  secret: string;
  auth: string;
}

export interface UserFixture {
  tessera: Tessera;
  storage: Storage;
  clock: ReturnType<typeof frozenClock>;
  userId: string;
  /** Confidential web client: authorization_code + refresh_token, redirect {@link REDIRECT}. */
  web: Client;
  /** A second client with the same registration. */
  other: Client;
  /** Confidential client with authorization_code only (no refresh tokens). */
  noRefresh: Client;
  client(input: { grantTypes: string[]; metadata?: Record<string, unknown>; scopes?: string[] }): Promise<Client>;
  /** Store a grant and an authorization code for it, as the authorization endpoint would. */
  code(overrides?: Partial<AuthorizationCodeRecord> & { client?: Client }): Promise<{ code: string; verifier: string; record: AuthorizationCodeRecord }>;
  post(url: string, params: Record<string, string> | [string, string][], auth?: string): Promise<LightMyRequestResponse>;
  /** Exchange a code with the web client (or `auth`), with the matching verifier and redirect URI unless overridden. */
  exchange(code: string, verifier: string, extra?: Record<string, string>, auth?: string): Promise<LightMyRequestResponse>;
  refresh(refreshToken: string, extra?: Record<string, string>, auth?: string): Promise<LightMyRequestResponse>;
  introspect(token: string, auth?: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export function newVerifier(): string {
  return randomBytes(32).toString('base64url');
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** A server on `kind` storage with a frozen clock, two resources, a user, and clients for the user grants. */
export async function userSetup(
  kind: StoreKind,
  config: { tokens?: Record<string, unknown>; logStream?: DestinationStream } = {},
): Promise<UserFixture> {
  const clock = frozenClock();
  const dir = kind === 'sqlite' ? mkdtempSync(join(tmpdir(), 'tessera-grants-')) : undefined;
  const schema = kind === 'postgres' ? `tessera_grants_${randomBytes(6).toString('hex')}` : undefined;
  const storage =
    kind === 'memory'
      ? createMemoryStorage({ now: clock.now })
      : kind === 'sqlite'
        ? await openStorage({ kind: 'sqlite', filename: join(dir!, 'tessera.db') })
        : await openStorage({ kind: 'postgres', url: PG_URL!, schema: schema! });
  await storage.migrate();
  await seedKeys(storage);
  const tessera = await createTessera({
    config: {
      issuer: ISSUER,
      dev: true,
      store: { kind: 'memory' },
      keys: { masterKey: TEST_MASTER_KEY },
      server: { logLevel: config.logStream ? 'info' : 'silent' },
      ...(config.tokens ? { tokens: config.tokens } : {}),
    },
    storage,
    now: clock.now,
    ...(config.logStream ? { logStream: config.logStream } : {}),
  });
  await tessera.admin.createResource({ id: JWT_API, tokenFormat: 'jwt', ttl: '10m', scopes: ['read', 'write'] });
  await tessera.admin.createResource({ id: OPAQUE_API, tokenFormat: 'opaque', ttl: 600, scopes: ['read', 'write'] });

  async function client(input: { grantTypes: string[]; metadata?: Record<string, unknown>; scopes?: string[] }): Promise<Client> {
    const created = await tessera.admin.createClient({
      name: 'app',
      scopes: input.scopes ?? USER_SCOPES,
      resources: [JWT_API, OPAQUE_API],
      grantTypes: input.grantTypes,
      redirectUris: [REDIRECT],
      ...(input.metadata ? { metadata: input.metadata } : {}),
    });
    return { id: created.client.clientId, secret: created.clientSecret, auth: basic(created.client.clientId, created.clientSecret) };
  }

  const web = await client({ grantTypes: ['authorization_code', 'refresh_token'] });
  const other = await client({ grantTypes: ['authorization_code', 'refresh_token'] });
  const noRefresh = await client({ grantTypes: ['authorization_code'] });
  const user = await tessera.admin.users.create({ username: 'alice', password: 'correct horse battery staple', email: 'alice@example.com', emailVerified: true });

  const post: UserFixture['post'] = (url, params, auth = web.auth) =>
    tessera.app.inject({ method: 'POST', url, headers: { 'content-type': FORM, authorization: auth }, payload: form(params) });

  return {
    tessera,
    storage,
    clock,
    userId: user.id,
    web,
    other,
    noRefresh,
    client,
    async code(overrides = {}) {
      const { client: owner = web, ...fields } = overrides;
      const verifier = newVerifier();
      const { value, hash } = mintOpaque('authorization_code');
      const now = new Date(clock.now());
      const grantId = fields.grantId ?? randomUUID();
      const scope = fields.scope ?? ['openid', 'profile', 'read'];
      const resource = fields.resource ?? [JWT_API];
      await storage.grants.create({ v: 1, id: grantId, userId: user.id, clientId: owner.id, scope, resources: resource, createdAt: now, updatedAt: now, revokedAt: null });
      const record: AuthorizationCodeRecord = {
        v: 1,
        hash,
        clientId: owner.id,
        userId: user.id,
        sessionId: 'sid-1',
        redirectUri: REDIRECT,
        scope,
        resource,
        codeChallenge: s256(verifier),
        codeChallengeMethod: 'S256',
        nonce: 'n-0S6_WzA2Mj',
        authTime: new Date(clock.now() - 30_000),
        acr: 'urn:tessera:acr:mfa',
        amr: ['pwd', 'otp', 'mfa'],
        claims: {},
        dpopJkt: null,
        grantId,
        issuedAt: now,
        expiresAt: new Date(clock.now() + 60_000),
        consumedAt: null,
        ...fields,
      };
      await storage.authorizationCodes.create(record);
      return { code: value, verifier, record };
    },
    post,
    exchange: (code, verifier, extra = {}, auth = web.auth) =>
      post('/token', { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, ...extra }, auth),
    refresh: (refreshToken, extra = {}, auth = web.auth) => post('/token', { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra }, auth),
    async introspect(token, auth = web.auth) {
      return (await post('/introspect', { token }, auth)).json();
    },
    async close() {
      await tessera.close();
      await storage.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      if (schema !== undefined) {
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      }
    },
  };
}

/** The decoded payload of a JWT (no verification: tests that need it verify with jose). */
export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}
