import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '@tessera/token';
import { createAccessTokenIssuer } from '../../src/tokens/access-token.js';
import { ISSUER, JWT_API, OPAQUE_API, T0 } from '../helpers.js';
import { userSetup, type UserFixture } from './fixture.js';

describe('access tokens carry the sign-in and the sender binding (RFC 9068 §2.2.1, RFC 9449 §6.1)', () => {
  let f: UserFixture;
  beforeAll(async () => {
    f = await userSetup('memory');
  });
  afterAll(() => f.close());

  const issuer = () => createAccessTokenIssuer({ issuer: ISSUER, alg: 'ES256', keys: f.tessera.keys, tokens: f.storage.tokens, now: f.clock.now });
  const bound = {
    subject: 'user-1',
    scope: ['read'],
    grantId: 'grant-1',
    sessionId: 'sid-9',
    deviceId: 'device-7',
    jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
    acr: 'urn:tessera:acr:mfa',
    authTime: new Date(T0 - 60_000),
  };

  it('a JWT has sid, device_id, cnf.jkt, acr and auth_time under exactly these names, and token_type DPoP', async () => {
    const client = (await f.storage.clients.get(f.web.id))!;
    const resource = (await f.storage.resources.get(JWT_API))!;
    const token = await issuer()({ client, resource, ...bound });
    expect(token.tokenType).toBe('DPoP');
    const jwks = createLocalJWKSet((await f.tessera.app.inject({ method: 'GET', url: '/jwks.json' })).json());
    const { payload } = await jwtVerify(token.value, jwks, { issuer: ISSUER, audience: JWT_API, typ: 'at+jwt', currentDate: new Date(T0) });
    expect(payload).toMatchObject({ sub: 'user-1', sid: 'sid-9', device_id: 'device-7', cnf: { jkt: bound.jkt }, acr: bound.acr, auth_time: T0 / 1000 - 60, jti: token.jti });
  });

  it('an opaque token stores them in its record (hash only), and an unbound one is Bearer without them', async () => {
    const client = (await f.storage.clients.get(f.web.id))!;
    const resource = (await f.storage.resources.get(OPAQUE_API))!;
    const token = await issuer()({ client, resource, ...bound });
    expect(await f.storage.tokens.get(hashSecret(token.value))).toMatchObject({
      grantId: 'grant-1',
      sessionId: 'sid-9',
      deviceId: 'device-7',
      jkt: bound.jkt,
      claims: { acr: bound.acr, auth_time: T0 / 1000 - 60 },
    });
    const plain = await issuer()({ client, resource, subject: 'user-1', scope: ['read'] });
    expect(plain.tokenType).toBe('Bearer');
    expect(await f.storage.tokens.get(hashSecret(plain.value))).toMatchObject({ jkt: null, deviceId: null, sessionId: null, claims: {} });
  });
});
