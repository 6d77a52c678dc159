import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTessera, type Tessera } from '../src/index.js';
import { FORM, form, frozenClock, ISSUER, JWT_API, OPAQUE_API } from './helpers.js';

/**
 * The same issuance → introspection → revocation → restart path as restart.test.ts, on PostgreSQL
 * (issue 2: "on SQLite and PostgreSQL"). Runs when TESSERA_TEST_PG_URL is set (`.ci/run` sets it), in
 * a schema of its own that is dropped afterwards.
 */
const url = process.env.TESSERA_TEST_PG_URL;
const schema = `tessera_srv_${randomBytes(6).toString('hex')}`;
const clock = frozenClock();

afterAll(async () => {
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
});

const start = () =>
  createTessera({
    config: {
      issuer: ISSUER,
      store: { kind: 'postgres', url: url!, schema },
      keys: { masterKey: Buffer.alloc(32, 5) },
      server: { logLevel: 'silent' },
    },
    now: clock.now,
  });

async function post(t: Tessera, path: string, auth: string, params: Record<string, string>) {
  return t.app.inject({ method: 'POST', url: path, headers: { 'content-type': FORM, authorization: auth }, payload: form(params) });
}

describe.skipIf(!url)('on PostgreSQL (TESSERA_TEST_PG_URL)', () => {
  it('issues both formats, revokes them, and the revocations survive a restart', async () => {
    let t = await start();
    await t.admin.createResource({ id: JWT_API, tokenFormat: 'jwt', scopes: ['read'] });
    await t.admin.createResource({ id: OPAQUE_API, tokenFormat: 'opaque', scopes: ['read'] });
    const { client, clientSecret } = await t.admin.createClient({ name: 'svc', scopes: ['read'], resources: [JWT_API, OPAQUE_API] });
    const auth = `Basic ${Buffer.from(`${client.clientId}:${clientSecret}`).toString('base64')}`;
    const jwt = (await post(t, '/token', auth, { grant_type: 'client_credentials', resource: JWT_API })).json().access_token;
    const opaque = (await post(t, '/token', auth, { grant_type: 'client_credentials', resource: OPAQUE_API })).json().access_token;
    for (const token of [jwt, opaque]) {
      expect((await post(t, '/introspect', auth, { token })).json().active).toBe(true);
      expect((await post(t, '/revoke', auth, { token })).statusCode).toBe(200);
    }
    const kept = (await post(t, '/token', auth, { grant_type: 'client_credentials', resource: JWT_API })).json().access_token;
    await t.close();

    t = await start();
    try {
      for (const token of [jwt, opaque]) expect((await post(t, '/introspect', auth, { token })).body).toBe('{"active":false}');
      expect((await post(t, '/introspect', auth, { token: kept })).json().active).toBe(true);
      const jwks = createLocalJWKSet((await t.app.inject({ method: 'GET', url: '/jwks.json' })).json());
      await expect(jwtVerify(kept, jwks, { issuer: ISSUER, audience: JWT_API, typ: 'at+jwt', currentDate: new Date(clock.now()) })).resolves.toBeDefined();
    } finally {
      await t.close();
    }
  });
});
