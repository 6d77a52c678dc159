import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStorage, type Storage } from '@tessera/store';
import { createTessera, type Tessera } from '@tessera/server';
import { COMPLIANT, createFleet, createSimulator } from './simulator.js';

/** The simulator against a real, listening Tessera on a SQLite file (real HTTP, real clock, durable writes). */
const SECRET = 'sim-secret-0123456789abcdef0123456789';
let tessera: Tessera;
let url: string;
let deviceIds: string[];
let storage: Storage;
const dir = mkdtempSync(join(tmpdir(), 'tessera-sim-'));

beforeAll(async () => {
  tessera = await createTessera({
    config: {
      issuer: 'http://127.0.0.1',
      dev: true,
      store: { kind: 'memory' },
      keys: { masterKey: Buffer.alloc(32, 3) },
      server: { host: '127.0.0.1', port: 0, logLevel: 'silent' },
      devices: { uem: { sources: { sim: { secrets: [SECRET] } } } },
    },
    storage: (storage = createSqliteStorage({ filename: join(dir, 'tessera.db') })),
  });
  url = await tessera.listen();
  deviceIds = [];
  for (let i = 0; i < 3; i++) {
    const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    deviceIds.push((await tessera.admin.devices.enrol({ platform: 'macos', osVersion: '14.5', uem: 'sim', displayName: `mac ${i}`, keys: [jwk] })).id);
  }
});
afterAll(async () => {
  await tessera?.close();
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('uem-simulator', () => {
  it('report() signs a posture the server accepts, and a broken disk turns the device non-compliant', async () => {
    const sim = createSimulator({ url, source: 'sim', secret: SECRET });
    const ok = await sim.report(deviceIds[0]!, COMPLIANT);
    expect(ok).toMatchObject({ status: 202, body: { status: 'applied', compliant: true } });
    expect(ok.ms).toBeGreaterThan(0);
    const broken = await sim.report(deviceIds[0]!, { diskEncrypted: false });
    expect(broken).toMatchObject({ status: 202, body: { status: 'applied', compliant: false } });
    expect((await tessera.admin.devices.get(deviceIds[0]!))?.compliance?.reasons.map((r) => r.code)).toEqual(['disk_not_encrypted']);
  });

  it('back-to-back reports of one device are all applied (report times strictly increase, even within one ms)', async () => {
    const frozen = Date.now();
    const sim = createSimulator({ url, source: 'sim', secret: SECRET, now: () => frozen });
    const results = [];
    for (const diskEncrypted of [true, false, true, false]) results.push(await sim.report(deviceIds[2]!, { diskEncrypted }));
    expect(results.map((r) => (r.body as { status: string }).status)).toEqual(['applied', 'applied', 'applied', 'applied']);
    expect((await tessera.storage.devices.get(deviceIds[2]!))?.compliance?.compliant).toBe(false);
  });

  it('the same event id sent twice is applied once (duplicate)', async () => {
    const sim = createSimulator({ url, source: 'sim', secret: SECRET });
    const first = await sim.report(deviceIds[1]!, COMPLIANT);
    const again = await sim.report(deviceIds[1]!, COMPLIANT, { eventId: first.eventId });
    expect(again).toMatchObject({ status: 202, body: { status: 'duplicate' } });
  });

  it('a simulator with the wrong secret is refused with 401 authentication_failed', async () => {
    const sim = createSimulator({ url, source: 'sim', secret: 'not-the-secret-not-the-secret-xx' });
    expect(await sim.report(deviceIds[2]!, COMPLIANT)).toMatchObject({ status: 401, body: { err: 'authentication_failed' } });
  });

  it('a fleet tick reports every device; flips follow the random source', async () => {
    const sim = createSimulator({ url, source: 'sim', secret: SECRET });
    // random() < flipRate on every call: every device flips, and the flip chosen is the first (disk).
    const fleet = createFleet({ simulator: sim, deviceIds, flipRate: 0.5, random: () => 0 });
    const results = await fleet.tick();
    expect(results.map((r) => r.result.status)).toEqual([202, 202, 202]);
    expect(results.every((r) => r.posture.diskEncrypted === false)).toBe(true);
    for (const id of deviceIds) expect((await tessera.storage.devices.get(id))?.compliance?.compliant).toBe(false);
  });

  it('the command line plays the fleet for --rounds and exits 0', async () => {
    const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
    const child = spawn(process.execPath, [cli, '--url', url, '--source', 'sim', '--secret', SECRET, '--devices', deviceIds.join(','),
      '--interval', '1', '--flip-rate', '0', '--rounds', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(out.match(/→ 202/g)).toHaveLength(3);
  });

  it('the command line refuses to start without a secret (exit 2)', async () => {
    const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
    const child = spawn(process.execPath, [cli, '--source', 'sim', '--devices', 'x'], { stdio: 'ignore', env: { PATH: process.env.PATH } });
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(2);
  });
});
