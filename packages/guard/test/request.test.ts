import { describe, expect, it } from 'vitest';
import { buildChallenge, createGuard, GuardError, type RequestLike } from '../src/index.js';
import { AUDIENCE, FakeAs, ISSUER, NOW, refusalOf } from './helpers.js';

const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, realm: 'reports', fetch: new FakeAs().fetch, now: () => NOW });

const refusal = (request: RequestLike) => refusalOf(guard, request);

describe('credentials in the request (RFC 6750 §2, §3.1)', () => {
  it('answers a request without credentials with 401 and a bare challenge, no error code (RFC 6750 §3.1)', async () => {
    const error = await refusal({ headers: {} });
    expect(error.status).toBe(401);
    expect(error.code).toBeUndefined();
    expect(guard.challenge(error)).toBe('Bearer realm="reports", DPoP realm="reports", algs="ES256 EdDSA RS256 PS256"');
    expect(error.toJSON()).toEqual({});
  });

  it('treats another scheme (Basic) as no Bearer credentials: 401, bare challenge', async () => {
    const error = await refusal({ headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect([error.status, error.code]).toEqual([401, undefined]);
  });

  it('refuses an access_token in the query string with 400 invalid_request (RFC 9700 §4.3.2, C-24)', async () => {
    const error = await refusal({ headers: {}, url: '/v1/reports?x=1&access_token=abc' });
    expect([error.status, error.code]).toEqual([400, 'invalid_request']);
    expect(guard.challenge(error)).toBe('Bearer realm="reports", error="invalid_request", error_description="The request is malformed"');
  });

  it('refuses a query access_token even alongside a valid-looking header (two methods, RFC 6750 §3.1)', async () => {
    const error = await refusal({ headers: { authorization: 'Bearer abc' }, url: 'https://api/x?access_token=abc' });
    expect([error.status, error.code, error.reason]).toEqual([400, 'invalid_request', 'access_token in the query string']);
  });

  it('refuses several Authorization headers with 400 invalid_request', async () => {
    const error = await refusal({ headers: { authorization: ['Bearer a', 'Bearer b'] } });
    expect([error.status, error.code]).toEqual([400, 'invalid_request']);
  });

  it('reads Authorization from rawHeaders when given: a repeat Node dropped from headers is refused', async () => {
    const rawHeaders = ['Host', 'api', 'Authorization', 'Bearer a', 'authorization', 'Bearer b'];
    const error = await refusal({ headers: { authorization: 'Bearer a' }, rawHeaders });
    expect([error.status, error.code, error.reason]).toEqual([400, 'invalid_request', 'several Authorization headers']);
    const single = await refusal({ headers: {}, rawHeaders: ['AUTHORIZATION', 'Bearer tat_abc'] });
    expect([single.status, single.reason]).toEqual([401, 'opaque token and no introspection configured']);
  });

  it('refuses two credentials in one header (Fetch Headers joins them with a comma)', async () => {
    const headers = new Headers();
    headers.append('authorization', 'Bearer a');
    headers.append('authorization', 'Bearer b');
    const error = await refusal({ headers });
    expect([error.status, error.code]).toEqual([400, 'invalid_request']);
  });

  it.each([['Bearer'], ['Bearer '], ['Bearer a b'], ['Bearer a"b'], ['Bearer ä'], ['Bearer a=b']])(
    'refuses the malformed credential %j with 400 invalid_request',
    async (authorization) => {
      const error = await refusal({ headers: { authorization } });
      expect([error.status, error.code]).toEqual([400, 'invalid_request']);
    },
  );

  it('accepts the scheme name case-insensitively (RFC 7235 §2.1) and reads Fetch Headers', async () => {
    // Reaching the token check proves extraction succeeded: an opaque token without introspection is invalid_token.
    for (const headers of [{ authorization: 'bEaReR tat_abc' }, new Headers({ authorization: 'Bearer tat_abc' })]) {
      const error = await refusal({ headers });
      expect([error.status, error.code, error.reason]).toEqual([401, 'invalid_token', 'opaque token and no introspection configured']);
    }
  });
});

describe('WWW-Authenticate challenges (RFC 6750 §3, RFC 9470 §3)', () => {
  it('escapes quotes and backslashes in the realm and drops control characters (RFC 7235 §2.1)', () => {
    expect(buildChallenge('a"b\\c\r\nX-Evil: 1')).toBe('Bearer realm="a\\"b\\\\cX-Evil: 1"');
  });

  it('names the needed scope on 403 insufficient_scope (RFC 6750 §3.1)', () => {
    const error = new GuardError('insufficient_scope', 'scope missing', { scope: 'reports:read' });
    expect(error.status).toBe(403);
    expect(buildChallenge('api', error)).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token does not grant the required scope", scope="reports:read"',
    );
  });

  it('carries acr_values and max_age on insufficient_user_authentication (RFC 9470 §3)', () => {
    const error = new GuardError('insufficient_user_authentication', 'acr', { acrValues: 'mfa phr', maxAge: 300 });
    expect(error.status).toBe(401);
    expect(buildChallenge('api', error)).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="A stronger or more recent user authentication is required", acr_values="mfa phr", max_age="300"',
    );
  });

  it('keeps the operator reason out of the challenge and the body', () => {
    const error = new GuardError('invalid_token', 'bad_signature');
    expect(buildChallenge('api', error)).not.toContain('bad_signature');
    expect(JSON.stringify(error.toJSON())).not.toContain('bad_signature');
  });
});
