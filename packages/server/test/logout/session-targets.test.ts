import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashSecret } from '@tessera/token';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashSessionId } from '../../src/accounts/sessions.js';
import { TestBrowser } from '../authorize/browser-helpers.js';
import { authorizeFixture, clientRecord, PASSWORD, WEB_REDIRECT, type AuthorizeFixture } from '../authorize/fixture.js';
import { scriptedDeviceApproval, scriptedLogin } from '../authorize/scripted-login.js';

/**
 * OIDC Back-Channel Logout §2.3 through the real pages: signing out of a session tells the clients
 * the user signed into within it (by a code or a device approval), and no other client of the user.
 */
let f: AuthorizeFixture;
let receiver: Server;
let receiverUrl: string;
let received: { path: string; token: string }[];

beforeEach(async () => {
  received = [];
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', token: new URLSearchParams(body).get('logout_token') ?? '' });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  f = await authorizeFixture();
});
afterEach(async () => {
  await f.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/** A client with a back-channel logout URI on the test receiver. */
async function rp(clientId: string, grantTypes: string[]) {
  await f.storage.clients.create(clientRecord({ clientId, name: clientId, grantTypes, metadata: { backchannel_logout_uri: `${receiverUrl}/${clientId}` } }));
}

describe('back-channel logout targets, through the pages', () => {
  it('§2.3: ending the session tells the client signed in by code and the device approved in it, not a client holding only a grant of the user', async () => {
    await rp('rp-web', ['authorization_code']);
    await rp('rp-tv', ['urn:ietf:params:oauth:grant-type:device_code']);
    await rp('rp-grant-only', ['authorization_code']);
    const now = new Date(f.clock.now());
    await f.storage.grants.create({ v: 1, id: 'grant-elsewhere', userId: f.alice.id, clientId: 'rp-grant-only', scope: ['openid'], resources: [], createdAt: now, updatedAt: now, revokedAt: null });

    const browser = new TestBrowser(f.base);
    const { redirect } = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ client_id: 'rp-web' }), username: 'alice', password: PASSWORD, now: f.clock.now, jar: browser.jar });
    expect(new URL(redirect).origin + new URL(redirect).pathname).toBe(WEB_REDIRECT);
    await f.storage.deviceCodes.create({
      v: 1, hash: hashSecret(`tdc_${randomBytes(32).toString('base64url')}`), userCode: 'BCDFGHJK', clientId: 'rp-tv', scope: ['openid'], resource: [],
      status: 'pending', userId: null, grantId: null, signIn: null, interval: 5, lastPolledAt: null, createdAt: now, expiresAt: new Date(now.getTime() + 600_000),
    });
    const device = await scriptedDeviceApproval({ baseUrl: f.base, userCode: 'BCDFGHJK', username: 'alice', password: PASSWORD, now: f.clock.now, jar: browser.jar });
    expect(device.pages).toEqual(['device', 'device_confirm']);

    const session = await f.storage.sessions.get(hashSessionId(browser.jar.cookies.get('tessera_session')!));
    const confirm = await browser.page('/logout');
    await browser.post('/logout', { ...confirm.hidden, logout: 'yes' });
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(2);
    // Give a stray third delivery the chance to arrive before asserting there is none.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received.map((r) => r.path).sort()).toEqual(['/rp-tv', '/rp-web']);
    for (const r of received) expect(claimsOf(r.token)).toMatchObject({ sub: f.alice.id, sid: session!.sid, aud: r.path.slice(1) });
  });
});
