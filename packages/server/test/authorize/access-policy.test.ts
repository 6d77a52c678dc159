import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_API } from '../helpers.js';
import { authorizeFixture, PASSWORD, WEB_REDIRECT, type AuthorizeFixture } from './fixture.js';
import { ScriptedLoginError, scriptedLogin } from './scripted-login.js';

/** /authorize asks the access policy (action `authorize`) before issuing a code. */
const POLICY = `@id("permit-all")
permit (principal, action, resource);

@id("api-needs-device")
@reason("device_required")
forbid (principal, action, resource == Tessera::Api::"${JWT_API}")
unless { context has device };
`;

let f: AuthorizeFixture;
beforeAll(async () => {
  f = await authorizeFixture({ policy: { text: POLICY } });
});
afterAll(() => f.close());

describe('access policy at the authorization endpoint', () => {
  it('a deny shows the reason and what to do (403), with a link back carrying access_denied, state and iss; no code is issued', async () => {
    let stop: ScriptedLoginError | undefined;
    try {
      await scriptedLogin({ authorizationUrl: f.authorizeUrl(), username: 'alice', password: PASSWORD, now: f.clock.now });
    } catch (error) {
      stop = error as ScriptedLoginError;
    }
    expect(stop).toBeInstanceOf(ScriptedLoginError);
    expect(stop!.status).toBe(403);
    expect(stop!.body).toContain('<code>device_required</code>');
    expect(stop!.body).toContain('What to do:');
    const href = /<a href="([^"]+)">Return to Web App<\/a>/.exec(stop!.body)![1]!.replace(/&amp;/g, '&');
    const back = new URL(href);
    expect(`${back.origin}${back.pathname}`).toBe(WEB_REDIRECT);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toMatch(/^device_required: /);
    expect(back.searchParams.get('state')).toBe('st-123');
    expect(back.searchParams.get('iss')).toBe(f.base);
    expect(back.searchParams.has('code')).toBe(false);
  });

  it('RFC 9449 §10: with dpop_jkt naming a registered device key, the policy sees that device (and /token re-checks with a proof)', async () => {
    const at = new Date(f.clock.now());
    const jkt = 'K'.repeat(43);
    await f.storage.devices.create({
      v: 1, id: 'dev-1', userId: f.alice.id, platform: 'macos', osVersion: '15.1', uem: 'test', displayName: 'Laptop',
      keys: [{ jkt, jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }, addedAt: at }], posture: null, compliance: null, createdAt: at, updatedAt: at,
    });
    const bound = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ dpop_jkt: jkt }), username: 'alice', password: PASSWORD, now: f.clock.now });
    expect(new URL(bound.redirect).searchParams.get('code')).toMatch(/^tac_/);
    await expect(scriptedLogin({ authorizationUrl: f.authorizeUrl({ dpop_jkt: 'U'.repeat(43) }), username: 'alice', password: PASSWORD, now: f.clock.now })).rejects.toMatchObject({ status: 403 });
  });

  it('with response_mode=form_post the access_denied response goes to the client at once', async () => {
    const result = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ response_mode: 'form_post' }), username: 'alice', password: PASSWORD, now: f.clock.now });
    expect(result.formPost).toMatchObject({ error: 'access_denied', state: 'st-123', iss: f.base });
    expect(result.formPost!.code).toBeUndefined();
  });
});
