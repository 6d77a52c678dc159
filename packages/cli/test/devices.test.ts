// `tessera devices …` on a SQLite data directory, in-process through main().
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import type { Io } from '../src/io.js';
import { openStore } from '../src/storage.js';
import { startSettings, storeSettings } from '../src/settings.js';
import { tmpDir } from './helpers.js';

async function run(data: string, args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => void out.push(t), err: (t) => void err.push(t), env, cwd: data };
  const code = await main([...args, '--data', data], io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('tessera devices', { timeout: 60_000 }, () => {
  const data = tmpDir();
  const keyFile = join(data, 'key.jwk.json');
  const privateFile = join(data, 'private.jwk.json');
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(keyFile, JSON.stringify(pair.publicKey.export({ format: 'jwk' })));
  writeFileSync(privateFile, JSON.stringify(pair.privateKey.export({ format: 'jwk' })));
  let id: string;

  it('enrol --key FILE --json prints the device with its key thumbprint and no verdict yet', async () => {
    const r = await run(data, ['devices', 'enrol', '--platform', 'macos', '--os-version', '14.5', '--uem', 'hexnode', '--name', 'Alice Mac', '--key', keyFile, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const device = JSON.parse(r.stdout);
    expect(device).toMatchObject({ platform: 'macos', os_version: '14.5', uem: 'hexnode', display_name: 'Alice Mac', user_id: null, posture: null, compliance: null });
    expect(device.keys).toHaveLength(1);
    expect(device.keys[0].jwk).not.toHaveProperty('d');
    id = device.id;
  });

  it('enrol refuses a private key (exit 1, the reason on stderr) and stores nothing', async () => {
    const r = await run(data, ['devices', 'enrol', '--platform', 'ios', '--os-version', '17.4', '--uem', 'hexnode', '--name', 'x', '--key', privateFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/private member "d"/);
    expect(JSON.parse((await run(data, ['devices', 'list', '--json'])).stdout).devices).toHaveLength(1);
  });

  it('enrol without a required flag is a usage error (exit 2)', async () => {
    const r = await run(data, ['devices', 'enrol', '--platform', 'macos', '--uem', 'hexnode', '--name', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--os-version/);
  });

  it('show prints the verdict and each reason with its fix once a posture is recorded', async () => {
    const storage = await openStore(storeSettings({ data }, {}, data));
    try {
      await storage.devices.recordPosture(id, { eventId: 'e1', source: 'hexnode', reportedAt: new Date(), signals: { diskEncrypted: false, passcodeCompliant: true, jailbroken: false, managed: true, osVersion: '14.5' } }, new Date());
      await storage.devices.setCompliance(id, null, { compliant: false, reasons: ['disk_not_encrypted'], evaluatedAt: new Date() });
    } finally {
      await storage.close();
    }
    const text = await run(data, ['devices', 'show', id]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/compliance: NOT compliant/);
    expect(text.stdout).toMatch(/disk_not_encrypted: .*\n\s+fix: Turn on disk encryption/);
    const asJson = JSON.parse((await run(data, ['devices', 'show', id, '--json'])).stdout);
    expect(asJson.compliance).toMatchObject({ compliant: false, reasons: [{ code: 'disk_not_encrypted' }] });
    const storage2 = await openStore(storeSettings({ data }, {}, data));
    try {
      await storage2.tokens.put({ v: 1, hash: 'h1', kind: 'refresh_token', jti: 'rt-1', clientId: 'c1', subject: 'u1', audience: [], scope: ['openid'],
        grantId: 'g', jkt: null, deviceId: id, sessionId: null, claims: {}, issuedAt: new Date(), expiresAt: new Date(Date.now() + 60_000), revokedAt: null });
    } finally {
      await storage2.close();
    }
    const tokens = JSON.parse((await run(data, ['devices', 'tokens', id, '--json'])).stdout);
    expect(tokens.tokens).toEqual([expect.objectContaining({ jti: 'rt-1', kind: 'refresh_token', client_id: 'c1', revoked_at: null })]);
    expect(JSON.stringify(tokens)).not.toContain('h1');
    const history = JSON.parse((await run(data, ['devices', 'history', id, '--json'])).stdout);
    expect(history.history.map((h: { event_id: string }) => h.event_id)).toEqual(['e1']);
  });

  it('list shows the table; delete removes; show of a deleted device fails with exit 1', async () => {
    expect((await run(data, ['devices', 'list'])).stdout).toMatch(/Alice Mac.*NOT compliant.*disk_not_encrypted/);
    expect((await run(data, ['devices', 'delete', id])).code).toBe(0);
    const gone = await run(data, ['devices', 'show', id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no device/);
    expect((await run(data, ['devices', 'delete', id])).code).toBe(1);
  });
});

describe('tessera devices delete ends what the device held (as a running server would)', { timeout: 60_000 }, () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });

  async function deviceWithToken(data: string): Promise<string> {
    const keyFile = join(data, 'device.jwk.json');
    writeFileSync(keyFile, JSON.stringify(key));
    const enrolled = await run(data, ['devices', 'enrol', '--platform', 'macos', '--os-version', '14.5', '--uem', 'hexnode', '--name', 'Mac', '--key', keyFile, '--json']);
    expect(enrolled.code, enrolled.stderr).toBe(0);
    const id = JSON.parse(enrolled.stdout).id as string;
    const storage = await openStore(storeSettings({ data }, {}, data));
    try {
      await storage.tokens.put({ v: 1, hash: 'bound-rt', kind: 'refresh_token', jti: 'rt-bound', clientId: 'c1', subject: 'u1', audience: [], scope: ['openid'],
        grantId: 'g', jkt: null, deviceId: id, sessionId: null, claims: {}, issuedAt: new Date(), expiresAt: new Date(Date.now() + 3_600_000), revokedAt: null });
    } finally {
      await storage.close();
    }
    return id;
  }

  async function revokedAt(data: string): Promise<Date | null | undefined> {
    const storage = await openStore(storeSettings({ data }, {}, data));
    try {
      return (await storage.tokens.get('bound-rt'))?.revokedAt;
    } finally {
      await storage.close();
    }
  }

  it('with the master key: the tokens bound to the device are revoked before the command exits', async () => {
    const data = tmpDir();
    const id = await deviceWithToken(data);
    const r = await run(data, ['devices', 'delete', id, '--json'], { TESSERA_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id, deleted: true });
    expect(await revokedAt(data)).toBeInstanceOf(Date);
  });

  it('without it: the device is deleted, the command says its tokens were not revoked, and they are not', async () => {
    const data = tmpDir();
    const id = await deviceWithToken(data);
    const r = await run(data, ['devices', 'delete', id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/no master key, so tokens bound to the device stay valid/);
    expect(await revokedAt(data)).toBeNull();
  });
});

describe('TESSERA_DEVICES_CONFIG', () => {
  it('names a JSON file holding the devices config section (UEM secrets stay out of argv and env)', () => {
    const dir = tmpDir();
    const section = { uem: { sources: { hexnode: { secrets: ['s'.repeat(40)] } } } };
    writeFileSync(join(dir, 'devices.json'), JSON.stringify(section));
    expect(startSettings({}, { TESSERA_DEVICES_CONFIG: 'devices.json' }, dir).devices).toEqual(section);
    expect(startSettings({}, {}, dir)).not.toHaveProperty('devices');
    expect(() => startSettings({}, { TESSERA_DEVICES_CONFIG: 'missing.json' }, dir)).toThrow(/cannot read/);
  });
});
