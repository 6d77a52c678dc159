import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { createTessera, type Tessera } from '../src/index.js';
import { FORM, form, frozenClock, ISSUER, JWT_API, OPAQUE_API } from './helpers.js';

/** Issue 2 acceptance: revocation of either kind survives a restart on the SQLite default. */
const dir = mkdtempSync(join(tmpdir(), 'tessera-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clock = frozenClock();
const start = () =>
  createTessera({
    config: {
      issuer: ISSUER,
      store: { kind: 'sqlite', filename: join(dir, 'tessera.db') },
      keys: { masterKey: Buffer.alloc(32, 3) },
      server: { logLevel: 'silent' },
    },
    now: clock.now,
  });

async function post(t: Tessera, url: string, auth: string, params: Record<string, string>) {
  return t.app.inject({ method: 'POST', url, headers: { 'content-type': FORM, authorization: auth }, payload: form(params) });
}

describe('on SQLite, across a restart', () => {
  it('revoked tokens stay inactive, live ones stay active, and JWTs keep verifying against the JWKS', async () => {
    let t = await start();
    await t.admin.createResource({ id: JWT_API, tokenFormat: 'jwt', scopes: ['read'] });
    await t.admin.createResource({ id: OPAQUE_API, tokenFormat: 'opaque', scopes: ['read'] });
    const { client, clientSecret } = await t.admin.createClient({ name: 'svc', scopes: ['read'], resources: [JWT_API, OPAQUE_API] });
    const auth = `Basic ${Buffer.from(`${client.clientId}:${clientSecret}`).toString('base64')}`;
    const tokens: Record<string, string> = {};
    for (const [name, resource] of [['jwt', JWT_API], ['opaque', OPAQUE_API], ['jwtKept', JWT_API], ['opaqueKept', OPAQUE_API]] as const) {
      tokens[name] = (await post(t, '/token', auth, { grant_type: 'client_credentials', resource })).json().access_token;
    }
    for (const name of ['jwt', 'opaque']) expect((await post(t, '/revoke', auth, { token: tokens[name]! })).statusCode).toBe(200);
    await t.close();

    t = await start();
    try {
      for (const name of ['jwt', 'opaque']) expect((await post(t, '/introspect', auth, { token: tokens[name]! })).body).toBe('{"active":false}');
      for (const name of ['jwtKept', 'opaqueKept']) expect((await post(t, '/introspect', auth, { token: tokens[name]! })).json().active).toBe(true);
      const jwks = createLocalJWKSet((await t.app.inject({ method: 'GET', url: '/jwks.json' })).json());
      const { payload } = await jwtVerify(tokens.jwtKept!, jwks, { issuer: ISSUER, audience: JWT_API, typ: 'at+jwt', currentDate: new Date(clock.now()) });
      expect(payload.client_id).toBe(client.clientId);
    } finally {
      await t.close();
    }
  });
});
