import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDpopProof } from '@tessera/token';
import { scriptedLogin } from '../../packages/server/test/authorize/scripted-login.js';
import { createSimulator } from '../uem-simulator/simulator.js';
import { freePort, startNode, type DemoServerInfo, type Started } from './processes.js';

/**
 * Issue 5 acceptance, end to end over real HTTP between real processes:
 * Tessera (examples/device-trust/server.js) · the example API with the guard subscribed to Tessera's
 * SSF stream (examples/protected-api/server.js) · the UEM simulator (examples/uem-simulator) · a user
 * signing in through the pages (scripted browser) on a device whose DPoP key is registered.
 */
const PASSWORD = 'correct horse battery staple';

interface Simulator {
  report(deviceId: string, posture?: Record<string, unknown>): Promise<{ status: number; body: unknown; ms: number }>;
}

for (const delivery of ['push', 'poll'] as const) {
  describe(`device trust end to end (SSF ${delivery})`, () => {
    let dir: string;
    let tessera: Started<DemoServerInfo>;
    let api: Started<{ listening: string; ssf: { streamId: string } }>;
    let key: KeyObject;
    let sim: Simulator;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-dt-'));
      key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const publicJwk = key.export({ format: 'jwk' }) as Record<string, unknown>;
      delete publicJwk.d;
      writeFileSync(join(dir, 'device.pub.json'), JSON.stringify(publicJwk));
      const port = await freePort();
      tessera = await startNode<DemoServerInfo>(new URL('./server.js', import.meta.url), [
        '--port', String(port), '--data', join(dir, 'data'), '--device-jwk', join(dir, 'device.pub.json'),
        '--uem-secret', randomBytes(32).toString('hex'), '--log-level', 'warn', '--password', PASSWORD,
      ]);
      const apiPort = await freePort();
      api = await startNode(new URL('../protected-api/server.js', import.meta.url), [
        '--issuer', tessera.info.issuer, '--audience', tessera.info.audience, '--port', String(apiPort),
        '--ssf-client-id', tessera.info.receiver.clientId, '--ssf-client-secret', tessera.info.receiver.clientSecret,
        '--ssf-delivery', delivery,
      ]);
      sim = createSimulator({ url: tessera.info.issuer, source: tessera.info.uem.source, secret: tessera.info.uem.secret }) as Simulator;
    });

    afterAll(async () => {
      await api?.stop();
      await tessera?.stop();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });

    const proof = (htm: string, htu: string, accessToken?: string) => createDpopProof(key, { htm, htu, ...(accessToken === undefined ? {} : { accessToken }) });

    async function tokenRequest(params: Record<string, string>) {
      const { clientId, clientSecret } = tessera.info.web;
      const res = await fetch(`${tessera.info.issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
          dpop: proof('POST', `${tessera.info.issuer}/token`),
        },
        body: new URLSearchParams(params),
      });
      return { status: res.status, body: (await res.json()) as Record<string, string> };
    }

    async function signInOnDevice(): Promise<{ status: number; body: Record<string, string> }> {
      const verifier = randomBytes(32).toString('base64url');
      const url = new URL(`${tessera.info.issuer}/authorize`);
      for (const [k, v] of Object.entries({
        response_type: 'code', client_id: tessera.info.web.clientId, redirect_uri: tessera.info.web.redirectUri, scope: 'openid reports:read',
        resource: tessera.info.audience, state: randomBytes(8).toString('hex'), code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
      })) url.searchParams.set(k, v);
      const { redirect } = await scriptedLogin({ authorizationUrl: url.toString(), username: 'alice', password: PASSWORD });
      const code = new URL(redirect).searchParams.get('code');
      expect(code, redirect).toBeTruthy();
      return tokenRequest({ grant_type: 'authorization_code', code: code!, code_verifier: verifier, redirect_uri: tessera.info.web.redirectUri, resource: tessera.info.audience });
    }

    async function callApi(accessToken: string): Promise<number> {
      const target = `${api.info.listening}/v1/reports`;
      const res = await fetch(target, { headers: { authorization: `DPoP ${accessToken}`, dpop: proof('GET', target, accessToken) } });
      await res.arrayBuffer();
      return res.status;
    }

    it('compliant device → DPoP-bound token accepted; disk unencrypted → the same token refused and the refresh token invalid_grant', async () => {
      const deviceId = tessera.info.device!.id;
      expect((await sim.report(deviceId, { diskEncrypted: true })).status).toBe(202);

      const signedIn = await signInOnDevice();
      expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
      const tokens = { access: signedIn.body.access_token!, refresh: signedIn.body.refresh_token! };
      expect(signedIn.body.token_type).toBe('DPoP');
      expect(await callApi(tokens.access)).toBe(200);

      expect((await sim.report(deviceId, { diskEncrypted: false })).status).toBe(202);
      let status = 200;
      for (let i = 0; i < 100 && status === 200; i++) {
        status = await callApi(tokens.access);
        if (status === 200) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(status).toBe(401);

      const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh });
      expect(refreshed.status).toBe(400);
      expect(refreshed.body.error).toBe('invalid_grant');

      // While the disk stays unencrypted, the policy refuses new tokens on this device, saying why.
      const again = await signInOnDevice();
      expect(again.status).toBe(400);
      expect(again.body.error).toBe('access_denied');
      expect(again.body.error_description).toMatch(/^device_not_compliant: /);

      // Compliant again: a new sign-in works and its token is accepted; the old token stays refused.
      expect((await sim.report(deviceId, { diskEncrypted: true })).status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // a new token's iat must be after the cut-off's second
      const fresh = await signInOnDevice();
      expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
      expect(await callApi(fresh.body.access_token!)).toBe(200);
      expect(await callApi(tokens.access)).toBe(401);
    });

    it('a guard that was offline when the device fell out of compliance refuses its token once it is back (catch-up feed)', async () => {
      const deviceId = tessera.info.device!.id;
      await new Promise((resolve) => setTimeout(resolve, 1100)); // past the previous test's cut-off second
      expect((await sim.report(deviceId, { diskEncrypted: true })).status).toBe(202);
      const signedIn = await signInOnDevice();
      expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
      const access = signedIn.body.access_token!;
      expect(await callApi(access)).toBe(200);

      const apiPort = new URL(api.info.listening).port;
      await api.stop();
      expect((await sim.report(deviceId, { passcodeCompliant: false })).status).toBe(202);
      api = await startNode(new URL('../protected-api/server.js', import.meta.url), [
        '--issuer', tessera.info.issuer, '--audience', tessera.info.audience, '--port', apiPort,
        '--ssf-client-id', tessera.info.receiver.clientId, '--ssf-client-secret', tessera.info.receiver.clientSecret,
        '--ssf-delivery', delivery,
      ]);
      expect(await callApi(access)).toBe(401);
    });
  });
}
