import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { DeviceRecord } from '@tessera/store';
import { createDpopProof, dpopKeyThumbprint } from '@tessera/token';
import { FORM, form, ISSUER } from '../helpers.js';
import { REDIRECT, type UserFixture } from '../grants/fixture.js';

/** A device key (what the device's app holds) and the device registered with it, compliant. */
export async function enrolDevice(f: UserFixture, id = 'dev-1', compliant = true): Promise<{ key: KeyObject; jkt: string; device: DeviceRecord }> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jkt = dpopKeyThumbprint(privateKey);
  const at = new Date(f.clock.now());
  const device: DeviceRecord = {
    v: 1,
    id,
    userId: f.userId,
    platform: 'macos',
    osVersion: '14.5',
    uem: 'sim',
    displayName: 'laptop',
    keys: [{ jkt, jwk: privateKey.export({ format: 'jwk' }) as Record<string, unknown>, addedAt: at }],
    posture: { eventId: 'e0', source: 'sim', reportedAt: at, receivedAt: at, signals: { diskEncrypted: compliant, passcodeCompliant: true, managed: true, osVersion: '14.5' } },
    compliance: { compliant, reasons: compliant ? [] : ['disk_not_encrypted'], evaluatedAt: at },
    createdAt: at,
    updatedAt: at,
  };
  // Stored without private members, as the registry would.
  device.keys[0]!.jwk = Object.fromEntries(Object.entries(device.keys[0]!.jwk).filter(([k]) => k !== 'd'));
  await f.storage.devices.create(device);
  return { key: privateKey, jkt, device };
}

/** POST /token with a DPoP proof of `key`. */
export function tokenWithProof(f: UserFixture, key: KeyObject, params: Record<string, string>, auth = f.web.auth) {
  const proof = createDpopProof(key, { htm: 'POST', htu: `${ISSUER}/token`, iat: Math.floor(f.clock.now() / 1000) });
  return f.tessera.app.inject({ method: 'POST', url: '/token', headers: { 'content-type': FORM, authorization: auth, dpop: proof }, payload: form(params) });
}

/** Sign in (a stored code) and exchange it on the device: a DPoP-bound access token and refresh token. */
export async function deviceTokens(f: UserFixture, key: KeyObject, resource?: string): Promise<{ access: string; refresh: string; status: number; body: Record<string, unknown> }> {
  const { code, verifier } = await f.code(resource === undefined ? {} : { resource: [resource] });
  const res = await tokenWithProof(f, key, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT });
  const body = res.json() as Record<string, unknown>;
  return { access: body.access_token as string, refresh: body.refresh_token as string, status: res.statusCode, body };
}
