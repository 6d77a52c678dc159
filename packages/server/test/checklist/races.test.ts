import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '@tessera/token';
import { FORM } from '../helpers.js';
import { authorizeFixture, PASSWORD, WEB_REDIRECT, type AuthorizeFixture } from '../authorize/fixture.js';
import { TestBrowser } from '../authorize/browser-helpers.js';
import { parseForm, scriptedLogin } from '../authorize/scripted-login.js';

/**
 * Concurrent answers to one single-use approval, on SQLite (a real store with real transactions):
 * exactly one wins, the others get a page (not a 500), and the stored record names the winner.
 */
let f: AuthorizeFixture;
beforeAll(async () => {
  f = await authorizeFixture({}, 'sqlite');
});
afterAll(() => f.close());

async function pendingDeviceCode(userCode: string): Promise<void> {
  const now = new Date(f.clock.now());
  await f.storage.deviceCodes.create({
    v: 1, hash: hashSecret(`tdc_${randomBytes(32).toString('base64url')}`), userCode, clientId: f.client.clientId, scope: ['openid', 'read'], resource: [],
    status: 'pending', userId: null, grantId: null, signIn: null, interval: 5, lastPolledAt: null, createdAt: now, expiresAt: new Date(now.getTime() + 600_000),
  });
}

/** A signed-in browser standing on the device confirmation page for `userCode`. */
async function atDeviceConfirm(username: string, userCode: string, totpSecret?: string) {
  const browser = new TestBrowser(f.base);
  await scriptedLogin({ authorizationUrl: f.authorizeUrl(), username, password: PASSWORD, now: f.clock.now, jar: browser.jar, ...(totpSecret && { totpSecret }) });
  const entry = await browser.page('/device');
  const confirm = await browser.post('/device', { ...entry.hidden, user_code: userCode });
  expect(confirm.status).toBe(200);
  const form = parseForm(await confirm.text())!;
  return { browser, form };
}

describe('checklist: races on single-use approvals', () => {
  it('RFC 8628 §3.3: two users approving one user code at the same moment — exactly one approval, the others get a 4xx page, never a 500', async () => {
    await pendingDeviceCode('BDWPHQPK');
    const contenders = [
      await atDeviceConfirm('alice', 'BDWP-HQPK'),
      await atDeviceConfirm('alice', 'BDWP-HQPK'),
      await atDeviceConfirm('bob', 'BDWP-HQPK', f.bob.totpSecret),
      await atDeviceConfirm('bob', 'BDWP-HQPK', f.bob.totpSecret),
    ];
    const answers = await Promise.all(contenders.map(({ browser, form }) => browser.post(form.action, { ...form.hidden, decision: 'approve' })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const status of statuses) expect(status).toBeLessThan(500);
    const winner = statuses.indexOf(200) < 2 ? f.alice.id : f.bob.id;
    const record = await f.storage.deviceCodes.findByUserCode('BDWPHQPK');
    expect(record).toMatchObject({ status: 'approved', userId: winner });
    expect(await f.storage.grants.get(record!.grantId!)).toMatchObject({ userId: winner });
  });

  it('RFC 6749 §4.1.2: six concurrent exchanges of one code on SQLite — at most one gets tokens, the rest invalid_grant, never a 500', async () => {
    const result = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ prompt: 'consent' }), username: 'alice', password: PASSWORD, now: f.clock.now });
    const code = new URL(result.redirect).searchParams.get('code')!;
    const payload = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT, code_verifier: f.verifier, client_id: f.client.clientId }).toString();
    const answers = await Promise.all(Array.from({ length: 6 }, () => fetch(`${f.base}/token`, { method: 'POST', headers: { 'content-type': FORM }, body: payload })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(1);
    for (const answer of answers.filter((a) => a.status !== 200)) {
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ error: 'invalid_grant' });
    }
  });
});
