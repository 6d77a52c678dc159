import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, type Fixture } from '../helpers.js';
import { JWT_BEARER, post, registerKeyClient, signAssertion, testKey, withAssertion, type TestKey } from './assertions.js';

let f: Fixture;
let key: TestKey;
let clientId: string;
let valid: string;

beforeAll(async () => {
  f = await setup();
  key = await testKey('ES256');
  clientId = await registerKeyClient(f, [key]);
  valid = await signAssertion(f, clientId, key); // never sent as is, so its jti stays unused
});
afterAll(() => f.close());

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('client assertions: properties', () => {
  it('refuses every one-character change of a valid assertion with 401 invalid_client', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.constantFrom(...B64URL, '.', '=', ' '), async (at, char) => {
        const i = at % valid.length;
        fc.pre(valid[i] !== char);
        const mutated = valid.slice(0, i) + char + valid.slice(i + 1);
        const res = await withAssertion(f, '/token', mutated);
        expect(res.statusCode).toBe(401);
        expect(res.json().error).toBe('invalid_client');
      }),
      { numRuns: 300 },
    );
  });

  it('answers arbitrary client_assertion and client_assertion_type values with 400 or 401, never 200 or 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.constant(JWT_BEARER)), fc.string({ minLength: 1, maxLength: 600 }), async (type, assertion) => {
        const res = await post(f, '/token', { client_assertion_type: type, client_assertion: assertion });
        expect([400, 401]).toContain(res.statusCode);
        expect(['invalid_request', 'invalid_client']).toContain(res.json().error);
      }),
      { numRuns: 200 },
    );
  });

  it('accepts the unmutated assertion (so the refusals above are not vacuous)', async () => {
    expect((await withAssertion(f, '/token', valid)).statusCode).toBe(200);
  });
});
