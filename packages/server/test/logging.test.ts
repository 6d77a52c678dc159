import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORM, form, JWT_API, OPAQUE_API, setup, type Fixture } from './helpers.js';

/** Secrets are never logged (PREAMBLE; SECURITY-CHECKLIST "tokens never logged"), at any level. */
let f: Fixture;
beforeAll(async () => {
  f = await setup({ logLevel: 'debug' });
});
afterAll(() => f.close());

describe('logs', () => {
  it('never contain a client secret, an access token or an Authorization header, even at debug', async () => {
    const auth = f.basic(f.client.id, f.client.secret);
    const secrets: string[] = [f.client.secret, f.other.secret, auth.slice('Basic '.length)];
    for (const resource of [JWT_API, OPAQUE_API]) {
      const res = await f.tessera.app.inject({
        method: 'POST',
        url: '/token',
        headers: { 'content-type': FORM, authorization: auth },
        payload: form({ grant_type: 'client_credentials', resource }),
      });
      const token: string = res.json().access_token;
      secrets.push(token);
      for (const url of ['/introspect', '/revoke']) {
        await f.tessera.app.inject({ method: 'POST', url, headers: { 'content-type': FORM, authorization: auth }, payload: form({ token }) });
      }
    }
    // Failures log their reasons at debug: wrong secret, secret in the query string, post auth.
    await f.tessera.app.inject({ method: 'POST', url: '/token', headers: { 'content-type': FORM, authorization: f.basic(f.client.id, 'wrong-secret-value') }, payload: 'grant_type=client_credentials' });
    await f.tessera.app.inject({ method: 'POST', url: `/token?client_secret=${f.client.secret}`, headers: { 'content-type': FORM }, payload: 'grant_type=client_credentials' });
    await f.tessera.app.inject({ method: 'POST', url: '/token', headers: { 'content-type': FORM }, payload: form({ grant_type: 'client_credentials', client_id: f.other.id, client_secret: f.other.secret }) });
    secrets.push('wrong-secret-value');

    const text = f.logs.text();
    // The capture works: request lines with ids were written.
    expect(text).toContain('"reqId"');
    expect(text).toContain('request completed');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('log an unexpected failure with its cause and request id, and send the client only server_error', async () => {
    // A bug (here: the signer throws) is a 500; a storage outage is a 503 (next test).
    const keys = f.tessera.keys as unknown as { signer: unknown };
    const original = keys.signer;
    keys.signer = () => {
      throw new Error('signer exploded at /var/lib/secret-path');
    };
    try {
      const res = await f.tessera.app.inject({
        method: 'POST',
        url: '/token',
        headers: { 'content-type': FORM, authorization: f.basic(f.client.id, f.client.secret) },
        payload: form({ grant_type: 'client_credentials', resource: JWT_API }),
      });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: 'server_error', error_description: 'the server encountered an unexpected condition' });
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).not.toContain('exploded');
    } finally {
      keys.signer = original;
    }
    const line = f.logs.text().split('\n').find((l) => l.includes('signer exploded'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ level: 50, reqId: expect.any(String), msg: 'request failed' });
  });

  it('log a storage outage with its cause and request id, and send the client only temporarily_unavailable', async () => {
    const original = f.storage.tokens.get;
    f.storage.tokens.get = () => Promise.reject(new Error('database exploded at /var/lib/secret-path'));
    try {
      const res = await f.tessera.app.inject({
        method: 'POST',
        url: '/introspect',
        headers: { 'content-type': FORM, authorization: f.basic(f.client.id, f.client.secret) },
        payload: form({ token: 'tat_' + 'C'.repeat(43) }),
      });
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toBe('temporarily_unavailable');
      expect(res.body).not.toContain('exploded');
    } finally {
      f.storage.tokens.get = original;
    }
    const line = f.logs.text().split('\n').find((l) => l.includes('database exploded'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ level: 50, reqId: expect.any(String), msg: 'request failed' });
  });
});
