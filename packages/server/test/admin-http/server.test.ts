import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createMemoryStorage } from '@tessera/store';
import { createDpopProof } from '@tessera/token';
import { afterEach, describe, expect, it } from 'vitest';
import { createTessera, type Tessera, type TesseraConfigInput } from '../../src/index.js';
import { FORM, form, ISSUER, logCapture } from '../helpers.js';
import { adminSetup, AUDIENCE, type AdminFixture } from './fixture.js';

const PASSWORD = 'correct horse battery staple';

async function clientToken(tessera: Tessera, base: (path: string, init?: RequestInit) => Promise<Response>, audience: string) {
  const { client, clientSecret } = await tessera.admin.createClient({ name: 'console', scopes: ['admin:read', 'admin:write'], resources: [audience] });
  const res = await base('/token', {
    method: 'POST',
    headers: { 'content-type': FORM, authorization: `Basic ${Buffer.from(`${client.clientId}:${clientSecret}`).toString('base64')}` },
    body: form({ grant_type: 'client_credentials', resource: audience, scope: 'admin:read admin:write' }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const PG_URL = process.env.TESSERA_TEST_PG_URL;

describe('admin API over a listening server (fetch)', () => {
  let tessera: Tessera | undefined;
  let dir: string | undefined;
  let pgSchema: string | undefined;
  afterEach(async () => {
    await tessera?.close();
    tessera = undefined;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    if (pgSchema !== undefined) {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop schema if exists "${pgSchema}" cascade`);
      await client.end();
      pgSchema = undefined;
    }
  });

  it('on SQLite: bootstraps (admin resource at start, a client for it gets a token); users, devices, clients, decisions round-trip', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-admin-http-'));
    await roundTrip({ kind: 'sqlite', filename: join(dir, 'tessera.db') });
  });

  it.skipIf(!PG_URL)('on PostgreSQL (TESSERA_TEST_PG_URL): the same round trip', async () => {
    pgSchema = `tessera_admin_${randomBytes(6).toString('hex')}`;
    await roundTrip({ kind: 'postgres', url: PG_URL!, schema: pgSchema });
  });

  async function roundTrip(store: TesseraConfigInput['store']) {
    tessera = await createTessera({
      config: { issuer: ISSUER, store, keys: { masterKey: Buffer.alloc(32, 9) }, server: { host: '127.0.0.1', port: 0 } },
      logStream: logCapture().stream,
    });
    const url = await tessera.listen();
    const call = (path: string, init?: RequestInit) => fetch(`${url}${path}`, init);
    const token = await clientToken(tessera, call, AUDIENCE);
    const admin = (method: string, path: string, body?: unknown) =>
      call(`/admin/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });

    const created = await admin('POST', '/users', { username: 'sqlite-user', password: PASSWORD, groups: ['ops'] });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const user = (await created.json()) as { id: string };
    expect((await admin('POST', '/users', { username: 'sqlite-user', password: PASSWORD })).status).toBe(409);
    expect(((await (await admin('GET', `/users/${user.id}`)).json()) as { groups: string[] }).groups).toEqual(['ops']);
    expect((await admin('POST', `/users/${user.id}/disable`)).status).toBe(200);

    const device = await admin('POST', '/devices', { id: 'sq-1', userId: user.id, platform: 'ios', osVersion: '17.4', uem: 'intune', displayName: 'iPhone' });
    expect(device.status).toBe(201);
    expect(((await (await admin('GET', `/devices?userId=${user.id}`)).json()) as { devices: unknown[] }).devices).toHaveLength(1);

    const client = await admin('POST', '/clients', { name: 'svc', scopes: ['read'] });
    expect(client.status).toBe(201);
    const { client: view, clientSecret } = (await client.json()) as { client: { clientId: string }; clientSecret: string };
    const listed = await (await admin('GET', '/clients')).text();
    expect(listed).toContain(view.clientId);
    expect(listed).not.toContain(clientSecret);
    expect((await admin('DELETE', `/clients/${view.clientId}`)).status).toBe(204);
    expect(((await (await admin('GET', '/decisions?limit=5')).json()) as { decisions: unknown[] }).decisions).toEqual(expect.any(Array));

    const none = await call('/admin/v1/users');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="tessera-admin"');
  }

  it('admin.http.enabled false: nothing is served under /admin/v1 and no admin resource is registered', async () => {
    const off = await createTessera({
      config: { issuer: ISSUER, dev: true, store: { kind: 'memory' }, keys: { masterKey: Buffer.alloc(32, 7) }, admin: { http: { enabled: false } } },
      logStream: logCapture().stream,
    });
    try {
      const res = await off.app.inject({ method: 'GET', url: '/admin/v1/users' });
      expect(res.statusCode).toBe(404);
      expect((await off.admin.listResources()).map((r) => r.id)).not.toContain(AUDIENCE);
    } finally {
      await off.close();
    }
  });

  it('admin.audience sets the audience tokens must carry; a token for <issuer>/admin is then refused', async () => {
    const custom = 'https://admin.example.com/api';
    tessera = await createTessera({
      config: { issuer: ISSUER, dev: true, store: { kind: 'memory' }, keys: { masterKey: Buffer.alloc(32, 7) }, admin: { audience: custom, tokenTtl: '5m' } },
      logStream: logCapture().stream,
    });
    const inject = async (path: string, init: RequestInit = {}) => {
      const res = await tessera!.app.inject({ method: (init.method ?? 'GET') as 'GET', url: path, headers: init.headers as Record<string, string>, payload: init.body as string });
      return new Response(res.statusCode === 204 ? null : res.body, { status: res.statusCode });
    };
    expect((await tessera.admin.listResources()).find((r) => r.id === custom)).toMatchObject({ accessTokenTtl: 300 });
    const good = await clientToken(tessera, inject, custom);
    expect((await tessera.app.inject({ method: 'GET', url: '/admin/v1/users', headers: { authorization: `Bearer ${good}` } })).statusCode).toBe(200);
    await tessera.admin.createResource({ id: AUDIENCE, scopes: ['admin:read', 'admin:write'] });
    const wrong = await clientToken(tessera, inject, AUDIENCE);
    expect((await tessera.app.inject({ method: 'GET', url: '/admin/v1/users', headers: { authorization: `Bearer ${wrong}` } })).statusCode).toBe(401);
  });

  it('an admin resource that already exists is kept as it is: with JWT tokens, a revoked JWT is refused at once', async () => {
    const storage = createMemoryStorage();
    const start = () =>
      createTessera({ config: { issuer: ISSUER, dev: true, store: { kind: 'memory' }, keys: { masterKey: Buffer.alloc(32, 7) } }, storage, logStream: logCapture().stream });
    const first = await start();
    await first.admin.deleteResource(AUDIENCE);
    await first.admin.createResource({ id: AUDIENCE, tokenFormat: 'jwt', ttl: '2m', scopes: ['admin:read', 'admin:write'] });
    await first.close();
    tessera = await start();
    expect((await tessera.admin.listResources()).find((r) => r.id === AUDIENCE)).toMatchObject({ tokenFormat: 'jwt', accessTokenTtl: 120 });
    const { client, clientSecret } = await tessera.admin.createClient({ name: 'console', scopes: ['admin:read'], resources: [AUDIENCE] });
    const basic = `Basic ${Buffer.from(`${client.clientId}:${clientSecret}`).toString('base64')}`;
    const issued = await tessera.app.inject({ method: 'POST', url: '/token', headers: { 'content-type': FORM, authorization: basic }, payload: form({ grant_type: 'client_credentials', resource: AUDIENCE }) });
    const jwt = issued.json().access_token as string;
    expect(jwt.split('.')).toHaveLength(3);
    const get = () => tessera!.app.inject({ method: 'GET', url: '/admin/v1/resources', headers: { authorization: `Bearer ${jwt}` } });
    expect((await get()).statusCode).toBe(200);
    const revoked = await tessera.app.inject({ method: 'POST', url: '/revoke', headers: { 'content-type': FORM, authorization: basic }, payload: form({ token: jwt }) });
    expect(revoked.statusCode).toBe(200);
    expect((await get()).statusCode).toBe(401);
    await tessera.close();
    tessera = undefined;
    await storage.close();
  });

  it('refuses a bad admin config at start', async () => {
    await expect(createTessera({ config: { issuer: ISSUER, dev: true, store: { kind: 'memory' }, keys: { masterKey: Buffer.alloc(32) }, admin: { audience: 'not a uri' } } })).rejects.toThrow(/admin\.audience/);
    await expect(createTessera({ config: { issuer: ISSUER, dev: true, store: { kind: 'memory' }, keys: { masterKey: Buffer.alloc(32) }, admin: { tokenTtl: 5 } } })).rejects.toThrow(/admin\.tokenTtl/);
  });
});

describe('admin API with DPoP-bound tokens (RFC 9449 §7)', () => {
  let a: AdminFixture;
  afterEach(async () => {
    await a.f.close();
  });

  it('a bound token works with the DPoP scheme and a fresh proof; as Bearer, or without a proof, or with a replayed proof it is refused', async () => {
    a = await adminSetup();
    const holder = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const iat = a.f.clock.now() / 1000;
    const tokenRes = await a.f.tessera.app.inject({
      method: 'POST', url: '/token',
      headers: { 'content-type': FORM, authorization: a.f.basic(a.admin.id, a.admin.secret), dpop: await createDpopProof(holder.privateKey, { htm: 'POST', htu: `${ISSUER}/token`, iat }) },
      payload: form({ grant_type: 'client_credentials', resource: AUDIENCE }),
    });
    expect(tokenRes.statusCode).toBe(200);
    expect(tokenRes.json().token_type).toBe('DPoP');
    const token = tokenRes.json().access_token as string;
    const proof = await createDpopProof(holder.privateKey, { htm: 'GET', htu: `${ISSUER}/admin/v1/users`, iat, accessToken: token });
    const ok = await a.call('GET', '/users', { token: null, headers: { authorization: `DPoP ${token}`, dpop: proof } });
    expect(ok.statusCode).toBe(200);
    const replayed = await a.call('GET', '/users', { token: null, headers: { authorization: `DPoP ${token}`, dpop: proof } });
    expect(replayed.statusCode).toBe(401);
    expect(replayed.headers['www-authenticate']).toContain('invalid_dpop_proof');
    expect((await a.call('GET', '/users', { token })).statusCode).toBe(401);
    expect((await a.call('GET', '/users', { token: null, headers: { authorization: `DPoP ${token}` } })).statusCode).toBe(401);
    const otherPath = await createDpopProof(holder.privateKey, { htm: 'GET', htu: `${ISSUER}/admin/v1/clients`, iat, accessToken: token });
    expect((await a.call('GET', '/users', { token: null, headers: { authorization: `DPoP ${token}`, dpop: otherPath } })).statusCode).toBe(401);
  });
});
