import { randomUUID } from 'node:crypto';
import type { DeviceKey, DeviceRecord, PostureReport, SsfStreamRecord } from '../src/index.js';
import { at, T0 } from './fixtures.js';

export function deviceKey(overrides: Partial<DeviceKey> = {}): DeviceKey {
  const jkt = randomUUID().replaceAll('-', '') + 'Jk_-';
  return { jkt, jwk: { kty: 'OKP', crv: 'Ed25519', x: `x-${jkt}` }, addedAt: T0, ...overrides };
}

export function device(overrides: Partial<DeviceRecord> = {}): DeviceRecord {
  return {
    v: 1,
    id: `dev_${randomUUID()}`,
    userId: 'u_alice',
    platform: 'macos',
    osVersion: '14.5',
    uem: 'hexnode',
    displayName: 'Alice\'s MacBook',
    keys: [deviceKey()],
    posture: null,
    compliance: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function report(reportedAtMs: number, overrides: Partial<PostureReport> = {}): PostureReport {
  return {
    eventId: `evt_${randomUUID()}`,
    source: 'hexnode',
    reportedAt: at(reportedAtMs),
    signals: { diskEncrypted: true, passcodeCompliant: true, jailbroken: false, managed: true, osVersion: '14.5' },
    ...overrides,
  };
}

export function ssfStream(overrides: Partial<SsfStreamRecord> = {}): SsfStreamRecord {
  return {
    id: `str_${randomUUID()}`,
    audience: ['https://rp.example.com'],
    issuer: undefined,
    deliveryMethod: 'push',
    endpointUrl: 'https://rp.example.com/ssf/push',
    authorizationHeader: 'Bearer s3cr3t',
    eventsRequested: ['https://schemas.openid.net/secevent/caep/event-type/session-revoked'],
    eventsDelivered: ['https://schemas.openid.net/secevent/caep/event-type/session-revoked'],
    status: 'enabled',
    reason: null,
    description: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}
