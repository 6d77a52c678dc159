import { describe, expect, it } from 'vitest';
import { authorizeFixture, pkce, WEB_REDIRECT, type FixtureStore } from '../authorize/fixture.js';

/**
 * The PAR round trip on every durable store (RFC 9126 §2.2, §4, §7.3): push, use once, a replay and an
 * expired reference refused. PostgreSQL runs when TESSERA_TEST_PG_URL is set.
 */
const pg = process.env.TESSERA_TEST_PG_URL;
const stores: [string, FixtureStore][] = [['sqlite', 'sqlite'], ...(pg ? [['postgres', { postgres: pg }] as [string, FixtureStore]] : [])];

describe.each(stores)('PAR on %s', (_name, store) => {
  it('a pushed request is used once, a replay and an expired one are invalid_request_uri (frozen clock)', async () => {
    const f = await authorizeFixture({}, store);
    try {
      const push = async () => {
        const body = new URLSearchParams({
          response_type: 'code', client_id: f.client.clientId, redirect_uri: WEB_REDIRECT, scope: 'openid', state: 's',
          code_challenge: pkce().challenge, code_challenge_method: 'S256', resource: 'https://api.example.com',
        });
        const response = await fetch(`${f.base}/par`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
        expect(response.status).toBe(201);
        return ((await response.json()) as { request_uri: string }).request_uri;
      };
      const authorize = (requestUri: string) =>
        fetch(`${f.base}/authorize?${new URLSearchParams({ client_id: f.client.clientId, request_uri: requestUri })}`, { redirect: 'manual' });
      const first = await push();
      const second = await push();
      expect((await authorize(first)).headers.get('location')).toMatch(/^\/login\?i=/);
      const replay = await authorize(first);
      expect(replay.status).toBe(400);
      expect(await replay.text()).toContain('invalid_request_uri');
      f.clock.advance(60);
      const expired = await authorize(second);
      expect(expired.status).toBe(400);
      expect(await expired.text()).toContain('invalid_request_uri');
      expect((await f.storage.pruneExpired(new Date(f.clock.now()))).pushedRequests).toBe(0);
      f.clock.advance(1);
      expect((await f.storage.pruneExpired(new Date(f.clock.now()))).pushedRequests).toBe(2);
    } finally {
      await f.close();
    }
  });
});
