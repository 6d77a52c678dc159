import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORM, form, JWT_API, setup, type Fixture } from './helpers.js';

/**
 * Issue 2 acceptance: malformed token/introspect/revoke requests each get the exact RFC error, in the
 * RFC 6749 §5.2 JSON shape, never cached, and never a 500.
 */
let f: Fixture;
let noGrants: { id: string; secret: string };
let disabled: { id: string; secret: string };
let noResources: { id: string; secret: string };

beforeAll(async () => {
  f = await setup();
  const rs = await f.tessera.admin.createClient({ name: 'rs', grantTypes: [], resources: [JWT_API] });
  noGrants = { id: rs.client.clientId, secret: rs.clientSecret };
  const off = await f.tessera.admin.createClient({ name: 'off', resources: [JWT_API], scopes: ['read'] });
  await f.tessera.admin.setClientDisabled(off.client.clientId, true);
  disabled = { id: off.client.clientId, secret: off.clientSecret };
  const bare = await f.tessera.admin.createClient({ name: 'bare', scopes: ['read'] });
  noResources = { id: bare.client.clientId, secret: bare.clientSecret };
});
afterAll(() => f.close());

interface Row {
  name: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url?: string;
  contentType?: string | null;
  /** Basic credentials to send: the main client unless told otherwise; `null` for none. */
  auth?: 'client' | 'other' | 'noGrants' | 'noResources' | 'disabled' | 'wrong' | 'unknown' | null | { raw: string };
  body?: string | Buffer | (() => string);
  status: number;
  error: string;
}

const cc = 'grant_type=client_credentials';

const rows: Row[] = [
  // Token endpoint: parameters (RFC 6749 §3.2, §5.2)
  { name: 'missing grant_type', body: 'scope=read', status: 400, error: 'invalid_request' },
  { name: 'empty body', body: '', status: 400, error: 'invalid_request' },
  { name: 'grant_type without value counts as absent (RFC 6749 §3.1)', body: 'grant_type=', status: 400, error: 'invalid_request' },
  { name: 'duplicate grant_type', body: `${cc}&${cc}`, status: 400, error: 'invalid_request' },
  { name: 'duplicate scope', body: `${cc}&scope=read&scope=write`, status: 400, error: 'invalid_request' },
  { name: 'unknown grant_type', body: 'grant_type=urn:example:magic', status: 400, error: 'unsupported_grant_type' },
  { name: 'password grant (RFC 9700 §2.4)', body: 'grant_type=password&username=a&password=b', status: 400, error: 'unsupported_grant_type' },
  { name: 'grant not allowed for the client', auth: 'noGrants', body: cc, status: 400, error: 'unauthorized_client' },
  { name: 'unknown scope', body: `${cc}&scope=delete`, status: 400, error: 'invalid_scope' },
  { name: 'scope the resource has but the client may not ask', body: `${cc}&scope=admin`, status: 400, error: 'invalid_scope' },
  { name: 'scope with a forbidden character', body: `${cc}&scope=${encodeURIComponent('re"ad')}`, status: 400, error: 'invalid_scope' },
  { name: 'resource not an absolute URI', body: `${cc}&resource=api`, status: 400, error: 'invalid_target' },
  { name: 'resource with a fragment', body: `${cc}&resource=${encodeURIComponent(`${JWT_API}#x`)}`, status: 400, error: 'invalid_target' },
  { name: 'resource not allowed for the client', body: `${cc}&resource=${encodeURIComponent('https://evil.example')}`, status: 400, error: 'invalid_target' },
  { name: 'two resources', body: form([['grant_type', 'client_credentials'], ['resource', JWT_API], ['resource', 'https://opaque.example.com']]), status: 400, error: 'invalid_target' },
  { name: 'no resource and no default resource', auth: 'noResources', body: cc, status: 400, error: 'invalid_target' },
  // Token endpoint: client authentication (RFC 6749 §2.3, §5.2)
  { name: 'wrong secret (basic)', auth: 'wrong', body: cc, status: 401, error: 'invalid_client' },
  { name: 'unknown client', auth: 'unknown', body: cc, status: 401, error: 'invalid_client' },
  { name: 'disabled client', auth: 'disabled', body: cc, status: 401, error: 'invalid_client' },
  { name: 'no client authentication', auth: null, body: cc, status: 401, error: 'invalid_client' },
  { name: 'Basic header that is not base64', auth: { raw: 'Basic !!!not-base64!!!' }, body: cc, status: 401, error: 'invalid_client' },
  { name: 'Basic header without a colon', auth: { raw: `Basic ${Buffer.from('justanid').toString('base64')}` }, body: cc, status: 401, error: 'invalid_client' },
  { name: 'Basic header with empty secret', auth: { raw: `Basic ${Buffer.from('id:').toString('base64')}` }, body: cc, status: 401, error: 'invalid_client' },
  { name: 'Basic header with broken percent-encoding', auth: { raw: `Basic ${Buffer.from('id%zz:secret').toString('base64')}` }, body: cc, status: 401, error: 'invalid_client' },
  { name: 'Bearer instead of client authentication', auth: { raw: 'Bearer abc.def.ghi' }, body: cc, status: 401, error: 'invalid_client' },
  { name: 'Basic and client_secret in the body (C-51)', body: () => `${cc}&client_id=${f.client.id}&client_secret=${f.client.secret}`, status: 400, error: 'invalid_request' },
  { name: 'client_secret without client_id', auth: null, body: `${cc}&client_secret=abc`, status: 400, error: 'invalid_request' },
  { name: 'client_id in body differs from Basic', body: `${cc}&client_id=someone-else`, status: 400, error: 'invalid_request' },
  { name: 'client_secret_post wrong secret', auth: null, body: () => `${cc}&client_id=${f.other.id}&client_secret=nope`, status: 401, error: 'invalid_client' },
  { name: 'duplicate client_id in the body', auth: null, body: () => `${cc}&client_id=${f.other.id}&client_id=${f.other.id}&client_secret=${f.other.secret}`, status: 400, error: 'invalid_request' },
  { name: 'method not registered for the client (post client via Basic)', auth: 'other', body: cc, status: 401, error: 'invalid_client' },
  { name: 'client_secret in the query string (C-51)', url: '/token?client_secret=abc', body: cc, status: 400, error: 'invalid_request' },
  // Token endpoint: transport
  { name: 'JSON body', contentType: 'application/json', body: '{"grant_type":"client_credentials"}', status: 415, error: 'invalid_request' },
  { name: 'text/plain body', contentType: 'text/plain', body: cc, status: 415, error: 'invalid_request' },
  { name: 'multipart body', contentType: 'multipart/form-data; boundary=x', body: '--x--', status: 415, error: 'invalid_request' },
  { name: 'no content type', contentType: null, body: cc, status: 415, error: 'invalid_request' },
  { name: 'huge body', body: `${cc}&scope=${'a'.repeat(70 * 1024)}`, status: 413, error: 'invalid_request' },
  { name: 'invalid UTF-8 bytes', body: Buffer.concat([Buffer.from(`${cc}&scope=`), Buffer.from([0xc3, 0x28])]), status: 400, error: 'invalid_request' },
  { name: 'invalid percent-encoding', body: `${cc}&scope=%zz`, status: 400, error: 'invalid_request' },
  { name: 'percent-encoding of invalid UTF-8', body: `${cc}&scope=%C3%28`, status: 400, error: 'invalid_request' },
  { name: 'truncated percent-encoding', body: `${cc}&scope=read%2`, status: 400, error: 'invalid_request' },
  { name: 'GET /token', method: 'GET', contentType: null, body: '', status: 405, error: 'invalid_request' },
  { name: 'PUT /token', method: 'PUT', body: cc, status: 405, error: 'invalid_request' },
  // Introspection (RFC 7662)
  { name: 'introspect without client authentication (C-61)', url: '/introspect', auth: null, body: 'token=abc', status: 401, error: 'invalid_client' },
  { name: 'introspect with wrong secret', url: '/introspect', auth: 'wrong', body: 'token=abc', status: 401, error: 'invalid_client' },
  { name: 'introspect without token', url: '/introspect', body: 'token_type_hint=access_token', status: 400, error: 'invalid_request' },
  { name: 'introspect with duplicate token', url: '/introspect', body: 'token=a&token=b', status: 400, error: 'invalid_request' },
  { name: 'introspect with repeated resource', url: '/introspect', body: 'token=a&resource=x&resource=y', status: 400, error: 'invalid_request' },
  { name: 'introspect JSON body', url: '/introspect', contentType: 'application/json', body: '{"token":"a"}', status: 415, error: 'invalid_request' },
  { name: 'introspect secret in query', url: '/introspect?client_secret=x', body: 'token=a', status: 400, error: 'invalid_request' },
  { name: 'GET /introspect', url: '/introspect', method: 'GET', contentType: null, body: '', status: 405, error: 'invalid_request' },
  // Revocation (RFC 7009)
  { name: 'revoke without client authentication', url: '/revoke', auth: null, body: 'token=abc', status: 401, error: 'invalid_client' },
  { name: 'revoke without token', url: '/revoke', body: 'token_type_hint=access_token', status: 400, error: 'invalid_request' },
  { name: 'revoke with duplicate token', url: '/revoke', body: 'token=a&token=a', status: 400, error: 'invalid_request' },
  { name: 'revoke with invalid UTF-8', url: '/revoke', body: Buffer.from([0x74, 0x6f, 0x6b, 0x65, 0x6e, 0x3d, 0xff]), status: 400, error: 'invalid_request' },
  { name: 'DELETE /revoke', url: '/revoke', method: 'DELETE', contentType: null, body: '', status: 405, error: 'invalid_request' },
  // Elsewhere
  { name: 'unknown path', url: '/nope', method: 'GET', contentType: null, body: '', status: 404, error: 'not_found' },
  { name: 'POST to the discovery document', url: '/.well-known/openid-configuration', body: 'a=b', status: 405, error: 'invalid_request' },
];

function authorization(row: Row): string | undefined {
  const auth = row.auth === undefined ? 'client' : row.auth;
  if (auth === null) return undefined;
  if (typeof auth === 'object') return auth.raw;
  switch (auth) {
    case 'client':
      return f.basic(f.client.id, f.client.secret);
    case 'other':
      return f.basic(f.other.id, f.other.secret);
    case 'noGrants':
      return f.basic(noGrants.id, noGrants.secret);
    case 'noResources':
      return f.basic(noResources.id, noResources.secret);
    case 'disabled':
      return f.basic(disabled.id, disabled.secret);
    case 'wrong':
      return f.basic(f.client.id, `${f.client.secret}x`);
    case 'unknown':
      return f.basic('cl_doesnotexist', 'whatever');
  }
}

describe('bad input gets the exact RFC error, never a 500', () => {
  it('has at least 30 rows', () => {
    expect(rows.length).toBeGreaterThanOrEqual(30);
  });

  it.each(rows.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const headers: Record<string, string> = {};
    const contentType = row.contentType === undefined ? FORM : row.contentType;
    if (contentType !== null) headers['content-type'] = contentType;
    const auth = authorization(row);
    if (auth !== undefined) headers.authorization = auth;
    const body = typeof row.body === 'function' ? row.body() : row.body;
    const res = await f.tessera.app.inject({ method: row.method ?? 'POST', url: row.url ?? '/token', headers, ...(body === undefined || body === '' ? {} : { payload: body }) });

    expect(res.statusCode).not.toBe(500);
    expect({ status: res.statusCode, error: res.json().error }).toEqual({ status: row.status, error: row.error });
    expect(Object.keys(res.json()).sort()).toEqual(['error', 'error_description']);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    if (res.statusCode === 401) expect(res.headers['www-authenticate']).toBe('Basic realm="tessera"');
    if (res.statusCode === 405) expect(res.headers.allow).toBeTruthy();
  });
});
