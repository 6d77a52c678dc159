import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '@tessera/token';
import { accessDenied } from '../../src/errors.js';
import { authorizationCode, refreshToken, type AccessQuestion, type GrantDeps } from '../../src/grants/index.js';
import { createUserGrants } from '../../src/grants/install.js';
import { FormParams } from '../../src/http/form.js';
import { createAccessTokenIssuer } from '../../src/tokens/access-token.js';
import { ISSUER, JWT_API, TEST_MASTER_KEY } from '../helpers.js';
import { REDIRECT, userSetup, type UserFixture } from './fixture.js';

/**
 * Every user grant asks the access policy (GrantDeps.checkAccess, where Cedar plugs in) before it
 * issues anything, and issues nothing when refused. The grants run here as units on the fixture's real
 * storage and keys, with a policy that records the questions and can deny.
 */
describe('user grants ask the access policy before issuing anything', () => {
  let f: UserFixture;
  const asked: AccessQuestion[] = [];
  let deny = false;
  let deps: GrantDeps;
  beforeAll(async () => {
    f = await userSetup('memory');
    const user = createUserGrants({
      issuer: ISSUER,
      config: f.tessera.config.tokens,
      accessTokenMax: f.tessera.config.ttl.accessTokenMax,
      storage: f.storage,
      keys: f.tessera.keys,
      masterKey: TEST_MASTER_KEY,
      now: f.clock.now,
    });
    deps = {
      lookupResource: (id) => f.storage.resources.get(id),
      issueAccessToken: createAccessTokenIssuer({ issuer: ISSUER, alg: 'ES256', keys: f.tessera.keys, tokens: f.storage.tokens, now: f.clock.now }),
      checkAccess: (question) => {
        asked.push(question);
        if (deny) throw accessDenied('denied by policy', { detail: 'test policy' });
      },
      user: user.services,
    };
  });
  afterAll(() => f.close());

  const client = () => f.storage.clients.get(f.web.id).then((c) => c!);

  it('authorization_code: asks with the user, audience, scope and acr; a refusal issues no refresh token and no ledger', async () => {
    const { code, verifier, record } = await f.code();
    deny = true;
    asked.length = 0;
    const params = FormParams.from({ code, code_verifier: verifier, redirect_uri: REDIRECT });
    await expect(authorizationCode.handle({ params, client: await client(), binding: null }, deps)).rejects.toMatchObject({ code: 'access_denied' });
    expect(asked).toEqual([
      expect.objectContaining({ action: 'token', grantType: 'authorization_code', userId: f.userId, audience: [JWT_API], scope: ['openid', 'profile', 'read'], acr: 'urn:tessera:acr:mfa', binding: null }),
    ]);
    expect(await f.storage.tokens.get(hashSecret(`tessera:ledger:${record.grantId}`))).toBeUndefined();
  });

  it('refresh_token: asks again (grantType refresh_token); a refusal leaves the refresh token unrotated', async () => {
    deny = false;
    const { code, verifier } = await f.code();
    const issued = await authorizationCode.handle({ params: FormParams.from({ code, code_verifier: verifier, redirect_uri: REDIRECT }), client: await client(), binding: null }, deps);
    deny = true;
    asked.length = 0;
    const params = FormParams.from({ refresh_token: issued.refresh_token! });
    await expect(refreshToken.handle({ params, client: await client(), binding: null }, deps)).rejects.toMatchObject({ code: 'access_denied' });
    expect(asked).toEqual([expect.objectContaining({ grantType: 'refresh_token', userId: f.userId, audience: [JWT_API] })]);
    expect((await f.storage.tokens.get(hashSecret(issued.refresh_token!)))?.rotatedAt).toBeNull();
    deny = false;
    await expect(refreshToken.handle({ params, client: await client(), binding: null }, deps)).resolves.toMatchObject({ refresh_token: expect.any(String) });
  });
});
