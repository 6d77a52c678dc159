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

  it('a bad limit or date is an AdminError', async () => {
    await expect(f.tessera.deviceTrust.decisions.list({ limit: 0 })).rejects.toBeInstanceOf(AdminError);
    await expect(f.tessera.deviceTrust.decisions.list({ limit: 5000 })).rejects.toBeInstanceOf(AdminError);
    await expect(f.tessera.deviceTrust.decisions.list({ since: new Date(Number.NaN) })).rejects.toBeInstanceOf(AdminError);
  });
});
