import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLL } from '../../src/ssf/index.js';
import { ssfSetup, type SsfFixture } from './fixture.js';

describe('SSF endpoints: bad input is a 4xx protocol error, never a 500', () => {
  let f: SsfFixture;
  let streamId: string;
  beforeAll(async () => {
    f = await ssfSetup();
    streamId = ((await f.call('POST', '/ssf/streams', f.receiver.token, { delivery: { method: POLL } })).json as { stream_id: string }).stream_id;
  });
  afterAll(async () => f.close());

  it('arbitrary JSON bodies on every management and delivery endpoint', async () => {
    const targets: ['POST' | 'PATCH' | 'PUT', string][] = [
      ['POST', '/ssf/streams'],
      ['PATCH', '/ssf/streams'],
      ['PUT', '/ssf/streams'],
      ['POST', '/ssf/status'],
      ['POST', '/ssf/verify'],
      ['POST', `/ssf/poll/${streamId}`],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), fc.jsonValue(), fc.boolean(), async ([method, url], body, withStream) => {
        const isObject = body !== null && typeof body === 'object' && !Array.isArray(body);
        // A long poll would park for pollTimeout: polls here always return at once.
        const payload = isObject ? { ...body, ...(withStream ? { stream_id: streamId } : {}), ...(url.startsWith('/ssf/poll/') ? { returnImmediately: true } : {}) } : body;
        const res = await Promise.race([
          f.call(method, url, f.receiver.token, payload),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer: ${method} ${url} ${JSON.stringify(payload)}`)), 3000)),
        ]);
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(res.json).toMatchObject({ error: expect.any(String) });
      }),
      { numRuns: 150 },
    );
  });

  it('a body that is not JSON is 415 (or 400 when it claims to be JSON)', async () => {
    const headers = { authorization: `Bearer ${f.receiver.token}` };
    const form = await f.tessera.app.inject({ method: 'POST', url: '/ssf/streams', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=b' });
    expect(form.statusCode).toBe(415);
    const text = await f.tessera.app.inject({ method: 'POST', url: '/ssf/verify', headers: { ...headers, 'content-type': 'text/plain' }, payload: 'x' });
    expect(text.statusCode).toBe(415);
    const broken = await f.tessera.app.inject({ method: 'POST', url: '/ssf/status', headers: { ...headers, 'content-type': 'application/json' }, payload: '{"stream_id":' });
    expect(broken.statusCode).toBe(400);
    const huge = await f.tessera.app.inject({ method: 'POST', url: '/ssf/streams', headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify({ description: 'x'.repeat(70_000) }) });
    expect(huge.statusCode).toBe(413);
  });

  it('arbitrary query strings on the reads and the feed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/ssf/streams', '/ssf/status', '/ssf/feed'), fc.array(fc.tuple(fc.constantFrom('stream_id', 'since', 'limit', 'x'), fc.string()), { maxLength: 4 }), async (path, pairs) => {
        const query = pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
        const res = await f.call('GET', `${path}?${query}`, f.receiver.token);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  });
});
