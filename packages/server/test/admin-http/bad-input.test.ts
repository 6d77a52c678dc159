import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSetup, type AdminFixture } from './fixture.js';

/** Every route of the admin API, with ids that exist where that matters and ones that do not. */
const ROUTES: [string, string][] = [
  ['POST', '/users'], ['GET', '/users'], ['GET', '/users/ID'], ['POST', '/users/ID/disable'], ['POST', '/users/ID/enable'],
  ['PUT', '/users/ID/password'], ['PUT', '/users/ID/groups'], ['POST', '/users/ID/totp'], ['POST', '/users/ID/totp/confirm'], ['DELETE', '/users/ID/totp'],
  ['POST', '/clients'], ['GET', '/clients'], ['GET', '/clients/ID'], ['POST', '/clients/ID/disable'], ['POST', '/clients/ID/enable'], ['DELETE', '/clients/ID'],
  ['POST', '/resources'], ['GET', '/resources'], ['DELETE', '/resources/ID'],
  ['POST', '/devices'], ['GET', '/devices'], ['GET', '/devices/ID'], ['GET', '/devices/ID/history'], ['GET', '/devices/ID/tokens'],
  ['GET', '/devices/ID/sessions'], ['POST', '/devices/ID/keys'], ['DELETE', '/devices/ID/keys/ID'], ['POST', '/devices/ID/evaluate'], ['DELETE', '/devices/ID'],
  ['GET', '/decisions'],
];

const BODIES: (string | undefined)[] = [
  undefined, '', 'null', '[]', '"text"', '0', 'true', '{}', '{"a":1}', '[{}]',
  '{"username":1,"password":[]}', '{"username":"ok-name","password":{"x":1}}', '{"email":5,"username":"x","password":"y"}',
  '{"name":{},"scopes":"read"}', '{"name":"x","grantTypes":[1]}', '{"name":"x","redirectUris":[null]}', '{"name":"x","metadata":[]}',
  '{"name":"x","authMethod":"private_key_jwt","jwks":{"keys":[{"kty":"RSA"}]}}', '{"name":"x","jwks":"abc","authMethod":"private_key_jwt"}',
  '{"id":5}', '{"id":"https://x.example","ttl":{}}', '{"id":"https://x.example","ttl":"forever"}', '{"id":"https://x.example","scopes":[[]]}',
  '{"groups":"x"}', '{"groups":[1,2]}', '{"password":null}', '{"code":123456}', '{"code":"' + 'x'.repeat(100) + '"}',
  '{"jwk":null}', '{"jwk":{"kty":"EC","crv":"P-256","x":"%%","y":"%%"}}', '{"jwk":{"kty":"RSA","n":"AQAB","e":"AQAB"}}',
  '{"platform":"ios","osVersion":"1","uem":"u","displayName":"d","keys":[null,1,"x",{}]}', '{"platform":"plan9","osVersion":"","uem":"","displayName":""}',
  '{"platform":"ios","osVersion":"1","uem":"u","displayName":"d","userId":42}', '{"platform":"ios","osVersion":"1","uem":"u","displayName":"d","id":"../x"}',
  '{"\\u0000":"\\ud800"}', JSON.stringify({ name: 'x'.repeat(10_000) }),
];

const IDS = ['u_nope', '%00', '..%2F..%2Fetc', 'a'.repeat(300), '%E2%9C%93', '%ZZ', 'https%3A%2F%2Fapi.example.com', '%20'];
const QUERIES = ['', '?limit=', '?limit=1e3', '?limit=99999', '?after=', '?since=0', '?userId=', '?x=%ZZ', '?limit[]=1', '?uem=' + 'u'.repeat(100)];

describe('admin API bad input: never a 500, always JSON, always no-store', () => {
  let a: AdminFixture;
  beforeAll(async () => {
    a = await adminSetup();
  });
  afterAll(async () => {
    await a.f.close();
  });

  function check(res: { statusCode: number; headers: Record<string, unknown>; body: string }, label: string) {
    expect(res.statusCode, label).toBeGreaterThanOrEqual(200);
    expect(res.statusCode, `${label}: ${res.body}`).toBeLessThan(500);
    expect(res.headers['cache-control'], label).toBe('no-store');
    if (res.statusCode >= 400) {
      expect(res.headers['content-type'], label).toMatch(/^application\/json/);
      expect(typeof JSON.parse(res.body).error, label).toBe('string');
      expect(res.body, label).not.toMatch(/\bat .+:\d+:\d+|node_modules/);
    }
  }

  it('a table of malformed bodies on every route', async () => {
    for (const [method, path] of ROUTES) {
      for (const body of BODIES) {
        const res = await a.call(method as 'POST', path.replaceAll('ID', 'u_nope'), { ...(body !== undefined && { body }) });
        check(res, `${method} ${path} ${body?.slice(0, 60)}`);
      }
    }
  }, 120_000);

  it('hostile ids and queries on every route', async () => {
    for (const [method, path] of ROUTES) {
      for (const id of IDS) {
        for (const query of method === 'GET' ? QUERIES : ['']) {
          const res = await a.call(method as 'GET', `${path.replaceAll('ID', id)}${query}`, { ...(method !== 'GET' && method !== 'DELETE' && { body: '{}' }) });
          check(res, `${method} ${path} ${id.slice(0, 20)} ${query.slice(0, 20)}`);
        }
      }
    }
  }, 120_000);

  it('arbitrary JSON bodies on the create routes (property)', async () => {
    const creates = ['/users', '/clients', '/resources', '/devices'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...creates), fc.jsonValue({ maxDepth: 4 }), async (path, value) => {
        const res = await a.call('POST', path, { body: JSON.stringify(value) });
        check(res, `POST ${path} ${JSON.stringify(value).slice(0, 80)}`);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('arbitrary objects with the expected keys on the create routes (property)', async () => {
    const anything = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }));
    const shapes: Record<string, string[]> = {
      '/users': ['username', 'password', 'email', 'emailVerified', 'groups'],
      '/clients': ['name', 'grantTypes', 'scopes', 'resources', 'authMethod', 'redirectUris', 'metadata'],
      '/resources': ['id', 'name', 'tokenFormat', 'ttl', 'scopes'],
      '/devices': ['id', 'userId', 'platform', 'osVersion', 'uem', 'displayName', 'keys'],
    };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(shapes)), fc.array(anything, { minLength: 7, maxLength: 7 }), async (path, values) => {
        const body = Object.fromEntries(shapes[path]!.map((key, i) => [key, values[i]]));
        const res = await a.call('POST', path, { body });
        check(res, `POST ${path} ${JSON.stringify(body).slice(0, 80)}`);
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
