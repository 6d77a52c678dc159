import { createMemoryStorage, type DeviceRecord, type Storage } from '@tessera/store';
import { afterEach, describe, expect, it } from 'vitest';
import { createTessera, type Tessera } from '../../src/index.js';
import { frozenClock, ISSUER, T0 } from '../helpers.js';

function device(id: string, compliant: boolean, evaluatedAt: number): DeviceRecord {
  const at = new Date(evaluatedAt);
  return {
    v: 1, id, userId: null, platform: 'macos', osVersion: '14.5', uem: 'sim', displayName: id, keys: [],
    posture: null, compliance: { compliant, reasons: compliant ? [] : ['disk_not_encrypted'], evaluatedAt: at }, createdAt: at, updatedAt: at,
  };
}

async function eventually<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return undefined;
}

describe('continuous access evaluation catches up after a restart', () => {
  let storage: Storage;
  let tessera: Tessera | undefined;
  afterEach(async () => {
    await tessera?.close();
    await storage.close();
  });

  it('a device stored non-compliant without a cut-off since (a crash between verdict and reaction) is cut off at start; others are left alone', async () => {
    const clock = frozenClock(T0 + 3600_000);
    storage = createMemoryStorage({ now: clock.now });
    await storage.devices.create(device('x-crashed', false, clock.now() - 60_000));
    await storage.devices.create(device('a-healthy', true, clock.now() - 60_000));
    await storage.devices.create(device('long-ago', false, clock.now() - 2 * 86_400_000));
    await storage.devices.create(device('b-handled', false, clock.now() - 60_000));
    await storage.cutoffs.set({ kind: 'device', id: 'b-handled', at: new Date(clock.now() - 60_000), expiresAt: new Date(clock.now() + 86_400_000) });

    tessera = await createTessera({ config: { issuer: ISSUER, dev: true, store: { kind: 'memory' }, keys: { masterKey: Buffer.alloc(32, 7) }, server: { logLevel: 'silent' } }, storage, now: clock.now });

    // Devices are examined one by one in (createdAt, id) order and 'x-crashed' comes last, so once it
    // is cut off every other device has been looked at.
    const cut = await eventually(() => storage.cutoffs.get('device', 'x-crashed'));
    // The cut-off is at the verdict's time: tokens issued before it die, later ones are the policy's business.
    expect(cut).toMatchObject({ kind: 'device', id: 'x-crashed', at: new Date(clock.now() - 60_000) });
    expect(await storage.cutoffs.get('device', 'a-healthy')).toBeUndefined();
    // Every token from before that verdict has expired by now (ttl.accessTokenMax is a day).
    expect(await storage.cutoffs.get('device', 'long-ago')).toBeUndefined();
    expect((await storage.cutoffs.get('device', 'b-handled'))!.at).toEqual(new Date(clock.now() - 60_000));
  });
});
