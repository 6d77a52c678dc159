import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminSetup, JSON_TYPE, type AdminFixture } from './fixture.js';

const down = async () => {
  throw new Error('SQLITE_BUSY: database is locked');
};

describe('admin API transport rules', () => {
  let a: AdminFixture;
  beforeEach(async () => {
    a = await adminSetup();
  });
  afterEach(async () => {
    await a.f.close();
  });

  it('RFC 9110 §15.5.6: a method a path does not have is 405 with Allow (before authentication)', async () => {
    const res = await a.call('PATCH', '/users', { token: null });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('POST, GET, HEAD');
    expect((await a.call('GET', '/users/u1/disable')).headers.allow).toBe('POST');
    expect((await a.call('PUT', '/clients/c1')).headers.allow).toBe('GET, DELETE, HEAD');
    expect((await a.call('GET', '/resources/x')).headers.allow).toBe('DELETE');
    expect((await a.call('DELETE', '/decisions')).headers['cache-control']).toBe('no-store');
  });

  it('HEAD of a GET route is served with read scope', async () => {
    const res = await a.call('HEAD', '/users', { token: a.readToken });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });

  it('an unknown path under /admin/v1 is 404 not_found JSON, no-store', async () => {
    const res = await a.call('GET', '/nothing/here');
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('not_found');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it.each([['application/x-www-form-urlencoded', 'username=a'], ['text/plain', '{}'], ['application/jsonp', '{}'], ['multipart/form-data; boundary=x', '--x--']])(
    'a body of type %s is 415',
    async (type, payload) => {
      const res = await a.call('POST', '/users', { headers: { 'content-type': type }, body: payload });
      expect(res.statusCode).toBe(415);
      expect(res.json()).toEqual({ error: 'invalid_request', error_description: 'content type must be application/json' });
    },
  );

  it('application/json with a charset parameter is accepted', async () => {
    const res = await a.call('POST', '/resources', { headers: { 'content-type': 'application/json; charset=utf-8' }, body: { id: 'https://charset.example' } });
    expect(res.statusCode).toBe(201);
  });

  it('a body over 64 KiB is 413; just under is read', async () => {
    const big = JSON.stringify({ id: 'https://big.example', name: 'x'.repeat(64 * 1024) });
    const res = await a.call('POST', '/resources', { body: big });
    expect(res.statusCode).toBe(413);
    const fits = JSON.stringify({ id: 'https://fits.example', name: 'x'.repeat(60 * 1024) });
    // Read and refused by the name length rule: the limit let it through.
    expect((await a.call('POST', '/resources', { body: fits })).statusCode).toBe(400);
  });

  it.each([['{'], ['{"a":1,}'], ['nul'], ["{'a':1}"], ['{"__proto__":{"x":1}}'], ['{"constructor":{"prototype":{}}}'], [`${'['.repeat(40)}${']'.repeat(40)}`]])(
    'malformed or hostile JSON %j is 400 invalid_request',
    async (body) => {
      const res = await a.call('POST', '/users', { body });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_request');
      expect(res.body).not.toMatch(/at .*\.js|stack/i);
    },
  );

  it('a storage outage is 503 temporarily_unavailable with Retry-After, not a 500', async () => {
    (a.f.storage.users as { list: unknown }).list = down;
    (a.f.storage.clients as { list: unknown }).list = down;
    (a.f.storage.devices as { list: unknown }).list = down;
    (a.f.storage.decisionLog as { list: unknown }).list = down;
    for (const url of ['/users', '/clients', '/devices', '/decisions']) {
      const res = await a.call('GET', url);
      expect(res.statusCode, url).toBe(503);
      expect(res.json().error).toBe('temporarily_unavailable');
      expect(res.headers['retry-after']).toBe('5');
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('a storage outage while checking the token is 503 (the token was never judged)', async () => {
    (a.f.storage.tokens as { get: unknown }).get = down;
    const res = await a.call('GET', '/users');
    expect(res.statusCode).toBe(503);
  });

  it('every answer is no-store: success, 201, 204, 400, 401, 403, 404', async () => {
    const responses = [
      await a.call('GET', '/users'),
      await a.call('POST', '/resources', { body: { id: 'https://nostore.example' } }),
      await a.call('DELETE', `/resources/${encodeURIComponent('https://nostore.example')}`),
      await a.call('POST', '/users', { body: {} }),
      await a.call('GET', '/users', { token: null }),
      await a.call('POST', '/users', { token: a.readToken, body: {} }),
      await a.call('GET', '/users/nobody'),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 201, 204, 400, 401, 403, 404]);
    for (const res of responses) expect(res.headers['cache-control']).toBe('no-store');
  });

  it('sends JSON with its media type', async () => {
    const res = await a.call('GET', '/clients');
    expect(res.headers['content-type']).toBe(`${JSON_TYPE}; charset=utf-8`);
  });
});
