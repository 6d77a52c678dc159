import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signalSetup, type SignalFixture } from './fixture.js';

let f: SignalFixture;
beforeAll(async () => {
  f = await signalSetup();
});
afterAll(async () => {
  await f.close();
});

describe('UEM webhook properties', () => {
  it('any correctly signed JSON body is answered 202, 400 or 403 in the RFC 8935 shape, never 5xx', async () => {
    const value = fc.oneof(fc.boolean(), fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.constant(f.deviceId));
    const body = fc.oneof(
      fc.dictionary(fc.constantFrom('eventId', 'deviceId', 'reportedAt', 'diskEncrypted', 'passcodeCompliant', 'jailbroken', 'osVersion', 'managed', 'platform', 'x'), value),
      fc.record({ extra: fc.anything() }).map((r) => ({ ...f.report(), ...r })),
      fc.jsonValue(),
    );
    await fc.assert(fc.asyncProperty(body, async (b) => {
      const res = await f.post(b);
      expect([202, 400, 403]).toContain(res.statusCode);
      if (res.statusCode !== 202) expect(res.json()).toMatchObject({ err: expect.stringMatching(/^(invalid_request|access_denied)$/) });
    }), { numRuns: 150 });
  });

  it('any header values other than a valid signature are 401 and store nothing', async () => {
    const before = await f.storage.devices.history(f.deviceId, 1000);
    await fc.assert(fc.asyncProperty(fc.string(), fc.string(), async (timestamp, signature) => {
      const res = await f.post(f.report(), {
        timestamp: timestamp.replace(/[^\x20-\x7e]/g, ''), signature: signature.replace(/[^\x20-\x7e]/g, '') || 'x',
      });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ err: 'authentication_failed' });
    }), { numRuns: 150 });
    expect(await f.storage.devices.history(f.deviceId, 1000)).toEqual(before);
  });
});
