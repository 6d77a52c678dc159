// Issue 5: how long from a UEM saying "this disk is no longer encrypted" to the first request the
// protected API refuses with that device's token. Real processes over real HTTP:
//   Tessera (examples/device-trust/server.js, SQLite) ← UEM simulator (this process, signed webhooks)
//   example API with the guard subscribed to Tessera's SSF stream (examples/protected-api/server.js)
// For each flip: the device is compliant and holds a fresh DPoP-bound token the API accepts; the
// simulator posts the non-compliant report; the API is hit in a loop with that token (a fresh DPoP
// proof each time) until it answers 401. Latency = first 401's arrival − the moment the webhook was sent.
// Devices are used round-robin, so a device's next token is always issued after its last cut-off.
// Tessera runs on the server core (as in bench/run.js); the API and this loop share the other one.
//
//   node bench/device-latency.js [--flips 200] [--devices 25] [--delivery push|poll] [--json]
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDpopProof } from '@tessera/token';
import { createSimulator } from '../examples/uem-simulator/simulator.js';
import { freePort, pinned } from './lib/process.js';

/** The core bench/targets.js runs servers on. */
const SERVER_CPU = 0;

const { values: args } = parseArgs({
  options: {
    flips: { type: 'string', default: '200' },
    devices: { type: 'string', default: '25' },
    delivery: { type: 'string', default: 'push' },
    json: { type: 'boolean', default: false },
  },
});
const FLIPS = Number(args.flips);
const DEVICES = Number(args.devices);
const DELIVERY = args.delivery === 'poll' ? 'poll' : 'push';
const TARGET_MS = 1000;
if (!Number.isInteger(FLIPS) || FLIPS < 1 || !Number.isInteger(DEVICES) || DEVICES < 1) {
  console.error('usage: node bench/device-latency.js [--flips N] [--devices N] [--delivery push|poll] [--json]');
  process.exit(2);
}
const say = (line) => console.log(line);

/**
 * Start `node script args` (pinned to `cpu` when given and taskset exists) and resolve with the first
 * JSON line it prints.
 */
function start(script, argv, cpu) {
  const args = [fileURLToPath(new URL(script, import.meta.url)), ...argv];
  const [command, commandArgs] = cpu === undefined ? [process.execPath, args] : pinned(cpu, process.execPath, args);
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c) => {
    err = (err + c.toString('utf8')).slice(-20_000);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not start\n${err}`)), 30_000);
    child.stdout.on('data', (c) => {
      out += c.toString('utf8');
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined && out.includes('\n')) {
        clearTimeout(timer);
        resolve({ child, info: JSON.parse(line), stderr: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited ${code}\n${err}`));
    });
  });
}

const stop = (p) => new Promise((resolve) => {
  if (p === undefined || p.child.exitCode !== null) return resolve();
  p.child.once('exit', resolve);
  p.child.kill('SIGTERM');
  setTimeout(() => p.child.kill('SIGKILL'), 5000).unref();
});

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

const dir = mkdtempSync(join(tmpdir(), 'tessera-device-latency-'));
let tessera;
let api;
try {
  const keys = Array.from({ length: DEVICES }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  writeFileSync(join(dir, 'devices.json'), JSON.stringify(keys.map((k) => {
    const jwk = k.export({ format: 'jwk' });
    delete jwk.d;
    return jwk;
  })));
  const port = await freePort();
  tessera = await start('../examples/device-trust/server.js', ['--port', String(port), '--data', join(dir, 'data'), '--device-jwk', join(dir, 'devices.json'), '--device-id', 'bench', '--log-level', 'warn'], SERVER_CPU);
  const t = tessera.info;
  api = await start('../examples/protected-api/server.js', ['--issuer', t.issuer, '--audience', t.audience, '--port', String(await freePort()),
    '--ssf-client-id', t.receiver.clientId, '--ssf-client-secret', t.receiver.clientSecret, '--ssf-delivery', DELIVERY]);
  const apiUrl = `${api.info.listening}/v1/reports`;
  const sim = createSimulator({ url: t.issuer, source: t.uem.source, secret: t.uem.secret });
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(t.service.clientId)}:${encodeURIComponent(t.service.clientSecret)}`).toString('base64')}`;

  async function deviceToken(key) {
    const res = await fetch(`${t.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic, dpop: createDpopProof(key, { htm: 'POST', htu: `${t.issuer}/token` }) },
      body: new globalThis.URLSearchParams({ grant_type: 'client_credentials', resource: t.audience, scope: 'reports:read' }),
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
    return body.access_token;
  }
  async function callApi(key, token) {
    const res = await fetch(apiUrl, { headers: { authorization: `DPoP ${token}`, dpop: createDpopProof(key, { htm: 'GET', htu: apiUrl, accessToken: token }) } });
    await res.arrayBuffer();
    return res.status;
  }
  const ensure = (result, what) => {
    if (result.status !== 202) throw new Error(`${what}: webhook answered ${result.status} ${JSON.stringify(result.body)}`);
  };

  // Every device starts compliant.
  for (const id of t.devices) ensure(await sim.report(id, { diskEncrypted: true }), 'initial report');
  const lastCutoff = new Map();

  const latencies = [];
  const webhookMs = [];
  let requests = 0;
  const startedAt = performance.now();
  for (let flip = 0; flip < FLIPS; flip++) {
    const i = flip % DEVICES;
    const id = t.devices[i];
    const key = keys[i];
    // A token issued in the same second as the device's last cut-off counts as before it (fail safe).
    const since = lastCutoff.get(id);
    if (since !== undefined) {
      const wait = Math.floor(since / 1000) * 1000 + 1000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      ensure(await sim.report(id, { diskEncrypted: true }), 'repair');
    }
    const token = await deviceToken(key);
    if ((await callApi(key, token)) !== 200) throw new Error(`flip ${flip}: the API refused a fresh token of a compliant device`);

    const pending = sim.report(id, { diskEncrypted: false });
    // The simulator stamps sentAt just before its fetch; it is on this process's performance timeline.
    let status = 200;
    let refusedAt;
    while (status === 200) {
      status = await callApi(key, token);
      requests++;
      if (status !== 200) refusedAt = performance.timeOrigin + performance.now();
    }
    const hook = await pending;
    ensure(hook, 'flip');
    if (status !== 401) throw new Error(`flip ${flip}: API answered ${status}`);
    latencies.push(refusedAt - hook.sentAt);
    webhookMs.push(hook.ms);
    lastCutoff.set(id, Date.now());
  }
  const elapsed = (performance.now() - startedAt) / 1000;

  const sorted = [...latencies].sort((a, b) => a - b);
  const hooks = [...webhookMs].sort((a, b) => a - b);
  const round = (x) => Math.round(x * 10) / 10;
  const result = {
    delivery: DELIVERY,
    flips: FLIPS,
    devices: DEVICES,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1)),
    min: round(sorted[0]),
    webhookP50: round(percentile(hooks, 50)),
    targetMs: TARGET_MS,
    p99OverTarget: Math.round((percentile(sorted, 99) / TARGET_MS) * 1000) / 1000,
    apiRequestsWhileWaiting: requests,
    seconds: round(elapsed),
    loadavg1m: Math.round(loadavg()[0] * 100) / 100,
  };
  say(`device latency (${DELIVERY}): ${FLIPS} flips over ${DEVICES} devices in ${result.seconds} s — webhook sent → first 401 at the API: p50 ${result.p50} ms, p90 ${result.p90} ms, p99 ${result.p99} ms, max ${result.max} ms (webhook round-trip p50 ${result.webhookP50} ms)`);
  say(`device latency (${DELIVERY}): p99 / 1 s target = ${result.p99OverTarget} (${result.p99OverTarget < 1 ? `met, ${round(TARGET_MS / result.p99)}× below` : 'NOT met'}); load ${result.loadavg1m}`);
  if (args.json) console.log(JSON.stringify(result));
} finally {
  await stop(api);
  await stop(tessera);
  rmSync(dir, { recursive: true, force: true });
}
