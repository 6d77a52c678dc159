import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NEXT_SECRET, SECRET, signalSetup, type SignalFixture } from './fixture.js';

// One server for the file (starting one costs ~1 s); every test gets its own device.
let f: SignalFixture;
beforeAll(async () => {
  f = await signalSetup();
});
let logMark = 0;
beforeEach(async () => {
  await f.freshDevice();
  logMark = logged().length;
});
/** What this test logged. */
const logged = () => f.logs.text().slice(logMark);
afterAll(async () => {
  await f.close();
});

/** Nothing of a refused report reached the store. */
async function nothingStored(): Promise<void> {
  const device = await f.storage.devices.get(f.deviceId);
  expect(device?.posture).toBeNull();
  expect(device?.compliance).toBeNull();
  expect(await f.storage.devices.history(f.deviceId, 10)).toEqual([]);
  expect(f.changes).toEqual([]);
}

describe('POST /signals/uem/:source — accepted reports', () => {
  it('a signed compliant report is applied (202), stored with its times, and announces the flip to compliant', async () => {
    f.clock.advance(60);
    const body = f.report({}, 30);
    const res = await f.post(body);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'applied', compliant: true });
    const device = await f.storage.devices.get(f.deviceId);
    expect(device?.posture).toMatchObject({ eventId: body.eventId, source: 'hexnode', reportedAt: new Date(body.reportedAt as string), receivedAt: new Date(f.clock.now()) });
    expect(device?.compliance).toEqual({ compliant: true, reasons: [], evaluatedAt: new Date(f.clock.now()) });
    expect(f.changes).toEqual([{ deviceId: f.deviceId, userId: null, previous: 'not-compliant', current: 'compliant', reasons: [], at: new Date(f.clock.now()) }]);
  });

  it('a newer report with the disk unencrypted turns the device non-compliant with reason disk_not_encrypted and emits once', async () => {
    await f.post(f.report({}, 10));
    f.clock.advance(5);
    const res = await f.post(f.report({ diskEncrypted: false }));
    expect(res.json()).toEqual({ status: 'applied', compliant: false });
    expect(f.changes.map((c) => [c.previous, c.current, c.reasons])).toEqual([
      ['not-compliant', 'compliant', []],
      ['compliant', 'not-compliant', ['disk_not_encrypted']],
    ]);
    const view = await f.tessera.admin.devices.get(f.deviceId);
    expect(view?.compliance?.reasons[0]).toMatchObject({ code: 'disk_not_encrypted', remediation: expect.stringMatching(/encryption/) });
  });

  it('reportedAt as epoch seconds is accepted; the OS version of the report becomes the device\'s', async () => {
    const res = await f.post(f.report({ reportedAt: Math.floor(f.clock.now() / 1000) - 5, osVersion: '15.1' }));
    expect(res.json()).toMatchObject({ status: 'applied' });
    expect((await f.storage.devices.get(f.deviceId))?.osVersion).toBe('15.1');
  });

  it('a signature by the second (rotation) secret is accepted, and so is a header listing several signatures', async () => {
    expect((await f.post(f.report(), { secret: NEXT_SECRET })).statusCode).toBe(202);
    const body = f.report({}, 0);
    const raw = JSON.stringify(body);
    const ts = String(Math.floor(f.clock.now() / 1000));
    const { signWebhook } = await import('../../src/signals/hmac.js');
    const both = `v1=${'0'.repeat(64)}, ${signWebhook(SECRET, ts, raw)}`;
    expect((await f.post(body, { raw, signature: both })).statusCode).toBe(202);
  });

  it('a replayed event id is 202 duplicate and not applied again: history keeps one entry, one event', async () => {
    const body = f.report({}, 10);
    expect((await f.post(body)).json()).toMatchObject({ status: 'applied' });
    f.clock.advance(1);
    const again = await f.post(body);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ status: 'duplicate' });
    expect(await f.storage.devices.history(f.deviceId, 10)).toHaveLength(1);
    expect(f.changes).toHaveLength(1);
  });

  it('an out-of-order report is 202 stale and never overwrites the newer posture', async () => {
    const newer = f.report({}, 10);
    await f.post(newer);
    const older = f.report({ diskEncrypted: false, jailbroken: true }, 60);
    const res = await f.post(older);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'stale' });
    const device = await f.storage.devices.get(f.deviceId);
    expect(device?.posture?.eventId).toBe(newer.eventId);
    expect(device?.compliance?.compliant).toBe(true);
    expect(await f.storage.devices.history(f.deviceId, 10)).toHaveLength(1);
  });
});

describe('POST /signals/uem/:source — refused reports store nothing', () => {
  it('a forged signature is 401 authentication_failed; the log names the reason and never the secret', async () => {
    const res = await f.post(f.report(), { secret: 'whsec_forged_forged_forged_forged_forged' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ err: 'authentication_failed' });
    expect(logged()).toMatch(/"reason":"bad_signature"/);
    expect(logged()).not.toContain(SECRET);
    await nothingStored();
  });

  it('a body changed after signing is refused (the HMAC covers the raw bytes)', async () => {
    const body = f.report();
    const raw = JSON.stringify(body);
    const ts = String(Math.floor(f.clock.now() / 1000));
    const { signWebhook } = await import('../../src/signals/hmac.js');
    const signature = signWebhook(SECRET, ts, raw);
    const res = await f.post(null, { raw: raw.replace('"diskEncrypted":true', '"diskEncrypted":false'), signature, timestamp: ts });
    expect(res.statusCode).toBe(401);
    await nothingStored();
  });

  it.each([
    ['missing Tessera-Timestamp', { timestamp: null }, 'missing_timestamp'],
    ['missing Tessera-Signature', { signature: null }, 'missing_signature'],
    ['a malformed timestamp', { timestamp: '12ab' }, 'malformed_timestamp'],
    ['a signature header without v1=', { signature: 'sha256=abc' }, 'bad_signature'],
    ['an unknown source', { source: 'jamf' }, 'unknown_source'],
    ['a source given as an Object prototype member', { source: 'constructor' }, 'unknown_source'],
  ])('%s is 401 authentication_failed', async (_label, options, reason) => {
    const res = await f.post(f.report(), options);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ err: 'authentication_failed' });
    expect(logged()).toContain(`"reason":"${reason}"`);
    await nothingStored();
  });

  it.each([[-301], [301]])('a timestamp %i s from our clock (outside the ±300 s replay window) is 401, even correctly signed', async (offset) => {
    const ts = String(Math.floor(f.clock.now() / 1000) + offset);
    const res = await f.post(f.report(), { timestamp: ts });
    expect(res.statusCode).toBe(401);
    expect(logged()).toContain('"reason":"timestamp_outside_window"');
    await nothingStored();
  });

  it('a timestamp 300 s old is still inside the window', async () => {
    const ts = String(Math.floor(f.clock.now() / 1000) - 300);
    expect((await f.post(f.report({}, 300), { timestamp: ts })).statusCode).toBe(202);
  });

  it('an unknown device is 400 invalid_request "unknown device"', async () => {
    const res = await f.post(f.report({ deviceId: 'dev_nope' }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ err: 'invalid_request', description: 'unknown device' });
    await nothingStored();
  });

  it('a device managed by another source is 403 access_denied', async () => {
    const res = await f.post(f.report(), { source: 'intune', secret: 'i'.repeat(40) });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ err: 'access_denied' });
    await nothingStored();
  });

  it('a platform that differs from the enrolled one is 400', async () => {
    const res = await f.post(f.report({ platform: 'windows' }));
    expect(res.statusCode).toBe(400);
    await nothingStored();
  });

  it('a reportedAt beyond the clock skew in the future is 400 (it would outrank every later report)', async () => {
    const res = await f.post(f.report({ reportedAt: new Date(f.clock.now() + 301_000).toISOString() }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ err: 'invalid_request', description: 'reportedAt is in the future' });
    await nothingStored();
  });

  const schemaErrors: [string, Record<string, unknown>][] = [
    ['eventId missing', { eventId: undefined }],
    ['eventId empty', { eventId: '' }],
    ['eventId with spaces', { eventId: 'a b' }],
    ['eventId too long', { eventId: 'e'.repeat(129) }],
    ['deviceId missing', { deviceId: undefined }],
    ['deviceId not a string', { deviceId: 42 }],
    ['reportedAt missing', { reportedAt: undefined }],
    ['reportedAt not RFC 3339', { reportedAt: '2026-01-01 12:00' }],
    ['reportedAt an invalid date', { reportedAt: '2026-02-31T25:00:00Z' }],
    ['reportedAt in milliseconds', { reportedAt: 1_767_225_600_000 }],
    ['reportedAt negative', { reportedAt: -1 }],
    ['diskEncrypted missing', { diskEncrypted: undefined }],
    ['diskEncrypted a string', { diskEncrypted: 'true' }],
    ['passcodeCompliant missing', { passcodeCompliant: undefined }],
    ['jailbroken null', { jailbroken: null }],
    ['managed a number', { managed: 1 }],
    ['osVersion missing', { osVersion: undefined }],
    ['osVersion empty', { osVersion: '' }],
    ['platform unknown', { platform: 'beos' }],
    ['an unknown member', { extra: true }],
  ];
  it.each(schemaErrors)('schema error (%s) is 400 invalid_request naming the field', async (_label, overrides) => {
    const res = await f.post(f.report(overrides));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ err: 'invalid_request', description: expect.any(String) });
    await nothingStored();
  });

  it.each([['not JSON', '{"eventId":'], ['a JSON array', '[]'], ['JSON null', 'null'], ['an empty body', '']])('%s is 400 invalid_request', async (_label, raw) => {
    const res = await f.post(null, { raw });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ err: 'invalid_request' });
    await nothingStored();
  });

  it('a body over 64 KiB is 413 invalid_request', async () => {
    const raw = JSON.stringify({ ...f.report(), padding: 'x'.repeat(64 * 1024) });
    const res = await f.post(null, { raw });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ err: 'invalid_request' });
    await nothingStored();
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['application/jsonx'], [null]])('Content-Type %s is 415', async (contentType) => {
    const res = await f.post(f.report(), { contentType });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ err: 'invalid_request' });
    await nothingStored();
  });

  it('Content-Type with a charset parameter is accepted', async () => {
    expect((await f.post(f.report(), { contentType: 'application/json; charset=utf-8' })).statusCode).toBe(202);
  });
});

describe('POST /signals/uem/:source — storage outage', () => {
  it('a posture that could not be stored is 503 with Retry-After (the UEM retries), never 500, and nothing is announced', async () => {
    const devices = f.storage.devices as { recordPosture: unknown };
    const original = devices.recordPosture;
    devices.recordPosture = async () => {
      throw new Error('SQLITE_BUSY: database is locked');
    };
    try {
      const res = await f.post(f.report());
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toEqual({ err: 'temporarily_unavailable' });
      expect(logged()).toContain('devices.recordPosture');
    } finally {
      devices.recordPosture = original;
    }
    await nothingStored();
  });
});
