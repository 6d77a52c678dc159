import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userSetup, type UserFixture } from './fixture.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 6749 §5.2 and RFC 8628 §3.5 codes a user grant may answer with. */
const GRANT_ERRORS = ['invalid_request', 'invalid_grant', 'invalid_scope', 'invalid_target', 'unauthorized_client', 'expired_token', 'authorization_pending', 'slow_down', 'access_denied'];

let f: UserFixture;
let device: { auth: string };
beforeAll(async () => {
  f = await userSetup('memory');
  device = await f.client({ grantTypes: [DEVICE_GRANT] });
});
afterAll(() => f.close());

const value = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom('tac_', 'trt_', 'tdc_').chain((prefix) => fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/).map((rest) => prefix + rest)),
);

describe('user grants: properties', () => {
  it('answers arbitrary code, code_verifier, redirect_uri, refresh_token, scope, resource and device_code values with an RFC error, never 200 or 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('authorization_code', 'refresh_token', DEVICE_GRANT),
        fc.dictionary(fc.constantFrom('code', 'code_verifier', 'redirect_uri', 'refresh_token', 'scope', 'resource', 'device_code'), value),
        async (grantType, params) => {
          const res = await f.post('/token', { grant_type: grantType, ...params }, grantType === DEVICE_GRANT ? device.auth : f.web.auth);
          expect(res.statusCode).toBe(400);
          expect(GRANT_ERRORS).toContain(res.json().error);
          expect(res.headers['cache-control']).toBe('no-store');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers arbitrary scope and resource at /device_authorization with 200 or an RFC error, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('scope', 'resource'), fc.string({ maxLength: 120 })), async (params) => {
        const res = await f.post('/device_authorization', params, device.auth);
        expect([200, 400]).toContain(res.statusCode);
        if (res.statusCode === 400) expect(['invalid_request', 'invalid_scope', 'invalid_target']).toContain(res.json().error);
      }),
      { numRuns: 150 },
    );
  });

  it('answers arbitrary Authorization headers at /userinfo with 400 or 401, never 200 or 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }).map((t) => `Bearer ${t}`), fc.string({ maxLength: 300 }).map((t) => `DPoP ${t}`)),
        async (authorization) => {
          // Header values must be legal HTTP field content; inject refuses others before we see them.
          fc.pre(/^[\x20-\x7e]*$/.test(authorization));
          const res = await f.tessera.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization } });
          expect([400, 401]).toContain(res.statusCode);
          expect(res.headers['www-authenticate']).toEqual(expect.any(String));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a valid code is accepted when nothing is changed (so the refusals above are not vacuous)', async () => {
    const { code, verifier } = await f.code();
    expect((await f.exchange(code, verifier)).statusCode).toBe(200);
  });
});
