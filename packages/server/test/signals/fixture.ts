import { generateKeyPairSync } from 'node:crypto';
import { createMemoryStorage, type Storage } from '@tessera/store';
import { createTessera, type Tessera } from '../../src/index.js';
import { signWebhook } from '../../src/signals/hmac.js';
import type { ServerEvents } from '../../src/events/bus.js';
import { frozenClock, ISSUER, logCapture } from '../helpers.js';

export const SECRET = 'whsec_0123456789abcdef0123456789abcdef';
export const NEXT_SECRET = 'whsec_fedcba9876543210fedcba9876543210';

/** A public Ed25519 JWK (a device's DPoP key). */
export function publicJwk(): Record<string, unknown> {
  return generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
}

export interface SignalFixture {
  tessera: Tessera;
  storage: Storage;
  clock: ReturnType<typeof frozenClock>;
  logs: ReturnType<typeof logCapture>;
  /** Every compliance event emitted, in order. */
  changes: ServerEvents['device.compliance_changed'][];
  deviceId: string;
  /** Enrol another device and make it the fixture's device; forget the events so far (one server, many tests). */
  freshDevice(): Promise<void>;
  /** POST a report, signed with `SECRET` at the current clock unless told otherwise. */
  post(body: unknown, o?: { secret?: string; timestamp?: string | null; signature?: string | null; contentType?: string | null; source?: string; raw?: string }): Promise<Awaited<ReturnType<Tessera['app']['inject']>>>;
  /** A valid compliant report for the fixture's device, `secondsAgo` before the clock. */
  report(overrides?: Record<string, unknown>, secondsAgo?: number): Record<string, unknown>;
  close(): Promise<void>;
}

let events = 0;

export async function signalSetup(extra: Record<string, unknown> = {}): Promise<SignalFixture> {
  const clock = frozenClock();
  const logs = logCapture();
  const storage = createMemoryStorage({ now: clock.now });
  const tessera = await createTessera({
    config: {
      issuer: ISSUER,
      dev: true,
      store: { kind: 'memory' },
      keys: { masterKey: Buffer.alloc(32, 7) },
      devices: { uem: { sources: { hexnode: { secrets: [SECRET, NEXT_SECRET] }, intune: { secrets: ['i'.repeat(40)] } } }, ...extra },
    },
    storage,
    now: clock.now,
    logStream: logs.stream,
  });
  const changes: ServerEvents['device.compliance_changed'][] = [];
  tessera.events.on('device.compliance_changed', (e) => void changes.push(e));
  const enrol = async () => (await tessera.admin.devices.enrol({
    platform: 'macos', osVersion: '14.5', uem: 'hexnode', displayName: 'MacBook', keys: [publicJwk()],
  })).id;
  const fixture: SignalFixture = {
    tessera, storage, clock, logs, changes, deviceId: await enrol(),
    async freshDevice() {
      fixture.deviceId = await enrol();
      changes.length = 0;
    },
    post(body, o = {}) {
      const raw = o.raw ?? JSON.stringify(body);
      const timestamp = o.timestamp === undefined ? String(Math.floor(clock.now() / 1000)) : o.timestamp;
      const headers: Record<string, string> = {};
      if (o.contentType !== null) headers['content-type'] = o.contentType ?? 'application/json';
      if (timestamp !== null) headers['tessera-timestamp'] = timestamp;
      const signature = o.signature === undefined ? signWebhook(o.secret ?? SECRET, timestamp ?? '', raw) : o.signature;
      if (signature !== null) headers['tessera-signature'] = signature;
      return tessera.app.inject({ method: 'POST', url: `/signals/uem/${o.source ?? 'hexnode'}`, headers, payload: raw });
    },
    report(overrides = {}, secondsAgo = 0) {
      return {
        eventId: `evt-${++events}`, deviceId: fixture.deviceId, reportedAt: new Date(clock.now() - secondsAgo * 1000).toISOString(),
        diskEncrypted: true, passcodeCompliant: true, jailbroken: false, osVersion: '14.5', managed: true, ...overrides,
      };
    },
    async close() {
      await tessera.close();
      await storage.close();
    },
  };
  return fixture;
}
