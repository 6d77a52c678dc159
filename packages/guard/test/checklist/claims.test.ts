import { beforeAll, describe, expect, it } from 'vitest';
import { createGuard, type Guard } from '../../src/index.js';
import { accessClaims, AUDIENCE, FakeAs, ISSUER, makeKey, NOW, NOW_S, bearer, refusalOf, signToken, type TestKey } from '../helpers.js';

/**
 * SECURITY-CHECKLIST.md items at the resource server that jwt-negative.test.ts does not reach:
 * every RFC 9068 §2.2 required claim (C-46), `iss`/`sub`/`aud` typing (C-38, C-39), the other JWT
 * kinds of this system (SET, logout token, client assertion) presented as access tokens (C-41, C-42).
 * Every refusal must be 401 invalid_token (RFC 6750 §3.1).
 */
let key: TestKey;
let guard: Guard;

beforeAll(async () => {
  key = await makeKey('k1', 'ES256');
  guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'], fetch: new FakeAs([key]).fetch, now: () => NOW });
  await guard.ready();
});

const refusal = (token: string) => refusalOf(guard, bearer(token));

const expectInvalidToken = async (token: string) => {
  const error = await refusal(token);
  expect([error.status, error.code]).toEqual([401, 'invalid_token']);
};

/** Access-token claims without `name`. */
const without = (name: string): Record<string, unknown> => {
  const claims = accessClaims();
  delete claims[name];
  return claims;
};

describe('C-46: RFC 9068 §2.2 required claims', () => {
  for (const claim of ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']) {
    it(`RFC 9068 §2.2: an access token without ${claim} is 401 invalid_token`, async () => {
      await expectInvalidToken(await signToken(key, without(claim)));
    });
  }

  it('RFC 9068 §4: exp, iat and nbf that are not numbers are refused', async () => {
    for (const extra of [{ exp: String(NOW_S + 300) }, { iat: 'yesterday' }, { nbf: null }, { nbf: 'x' }]) {
      await expectInvalidToken(await signToken(key, accessClaims(extra)));
    }
  });
});

describe('C-38, C-39: iss, sub and aud are validated, not just present', () => {
  it('RFC 8725 §3.8: iss must match exactly — case, scheme and a path suffix differ', async () => {
    for (const iss of [ISSUER.toUpperCase(), ISSUER.replace('https:', 'http:'), `${ISSUER}/other`, [ISSUER]]) {
      await expectInvalidToken(await signToken(key, accessClaims({ iss })));
    }
  });

  it('RFC 7519 §4.1.2: a sub that is not a string is refused (so is a client_id or jti that is not one)', async () => {
    for (const extra of [{ sub: 42 }, { sub: ['user-1'] }, { sub: { id: 'user-1' } }, { sub: null }, { client_id: 5 }, { jti: 3 }]) {
      await expectInvalidToken(await signToken(key, accessClaims(extra)));
    }
  });

  it('RFC 9068 §2.2: an empty sub, client_id or jti names no one and is refused', async () => {
    for (const extra of [{ sub: '' }, { client_id: '' }, { jti: '' }]) {
      await expectInvalidToken(await signToken(key, accessClaims(extra)));
    }
  });

  it('RFC 8725 §3.9: aud must name this resource exactly — a prefix, a suffix or an empty array is refused', async () => {
    for (const aud of [`${AUDIENCE}/`, `${AUDIENCE}.evil.example`, AUDIENCE.slice(0, -1), [], [''], 7]) {
      await expectInvalidToken(await signToken(key, accessClaims({ aud })));
    }
  });
});

describe('C-41, C-42: other JWT kinds signed by the same issuer key are not access tokens', () => {
  it('RFC 8417 §2.3: a Security Event Token (typ secevent+jwt) is refused', async () => {
    const set = { iss: ISSUER, aud: AUDIENCE, iat: NOW_S, jti: 'set-1', events: { 'https://schemas.openid.net/secevent/caep/event-type/session-revoked': {} } };
    await expectInvalidToken(await signToken(key, { ...accessClaims(), ...set }, { typ: 'secevent+jwt' }));
  });

  it('OIDC Back-Channel Logout §2.4: a logout token (typ logout+jwt) is refused', async () => {
    const events = { 'http://schemas.openid.net/event/backchannel-logout': {} };
    await expectInvalidToken(await signToken(key, { ...accessClaims(), events, sid: 's-1' }, { typ: 'logout+jwt' }));
  });

  it('rfc7523bis: a client assertion (typ client-authentication+jwt) is refused', async () => {
    await expectInvalidToken(await signToken(key, accessClaims(), { typ: 'client-authentication+jwt' }));
  });

  it('the unmodified access token is accepted (so the refusals above are not vacuous)', async () => {
    const result = await guard.check({ headers: { authorization: `Bearer ${await signToken(key)}` }, url: '/r' });
    expect(result).toMatchObject({ source: 'jwt', subject: 'user-1', clientId: 'client-1' });
  });
});
