import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdminError } from '../../src/index.js';
import { FORM, form, JWT_API, setup, type Fixture } from '../helpers.js';

describe('decision log (issue 5 §7)', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await setup();
  });
  afterEach(async () => f.close());

  it('every token request leaves an entry: time, action, grant type, client, audience, scope, decision, policies', async () => {
    const res = await f.tessera.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': FORM, authorization: f.basic(f.client.id, f.client.secret) },
      payload: form({ grant_type: 'client_credentials', resource: JWT_API, scope: 'read' }),
    });
    expect(res.statusCode).toBe(200);
    const entries = await f.tessera.deviceTrust.decisions.list({ clientId: f.client.id });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      at: new Date(f.clock.now()),
      action: 'token',
      grantType: 'client_credentials',
      clientId: f.client.id,
      userId: null,
      deviceId: null,
      audience: [JWT_API],
      scope: ['read'],
      decision: 'allow',
      policies: ['default.permit-all'],
    });
    expect(await f.tessera.deviceTrust.decisions.list({ clientId: f.other.id })).toEqual([]);
  });

  const token = () =>
    f.tessera.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': FORM, authorization: f.basic(f.client.id, f.client.secret) },
      payload: form({ grant_type: 'client_credentials', resource: JWT_API, scope: 'read' }),
    });

  it('identical allows within policy.decisionLogAllowWindow (60 s) are logged once; every deny is logged', async () => {
    for (let i = 0; i < 3; i++) expect((await token()).statusCode).toBe(200);
    expect(await f.tessera.deviceTrust.decisions.list({ clientId: f.client.id })).toHaveLength(1);
    f.clock.advance(60);
    await token();
    expect(await f.tessera.deviceTrust.decisions.list({ clientId: f.client.id })).toHaveLength(2);

    f.tessera.deviceTrust.policy.reload(`@id("all") permit (principal, action, resource);
@id("no-svc") @reason("service_blocked") forbid (principal == Tessera::Client::"${f.client.id}", action, resource);`);
    for (let i = 0; i < 2; i++) expect((await token()).statusCode).toBe(400);
    const entries = await f.tessera.deviceTrust.decisions.list({ clientId: f.client.id });
    expect(entries.map((e) => e.decision).sort()).toEqual(['allow', 'allow', 'deny', 'deny']);
    expect(entries.find((e) => e.decision === 'deny')).toMatchObject({ policies: ['no-svc'], reasons: ['service_blocked'] });
  });

  it('a bad limit or date is an AdminError', async () => {
    await expect(f.tessera.deviceTrust.decisions.list({ limit: 0 })).rejects.toBeInstanceOf(AdminError);
    await expect(f.tessera.deviceTrust.decisions.list({ limit: 5000 })).rejects.toBeInstanceOf(AdminError);
    await expect(f.tessera.deviceTrust.decisions.list({ since: new Date(Number.NaN) })).rejects.toBeInstanceOf(AdminError);
  });
});
