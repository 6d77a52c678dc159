// `npm run bench`: start each server as its own process pinned to core 0, drive it from this process
// pinned to core 1, and print req/s, p50/p99 and peak RSS with ratios against the floor and the peer.
//
//   node bench/run.js [--duration 5] [--warmup 2] [--warmup-requests 5000] [--connections 32] [--rounds 5] [--only tessera] [--no-write] [--skip-guard] [--skip-code-flow] [--skip-device-latency] [--alg ES256|EdDSA]
//
// --alg: the JWT access-token algorithm of BOTH servers (Tessera via TESSERA_ACCESS_TOKEN_ALG, the peer's
// JWT resource alike), so signing costs the same on each side; ES256 (Tessera's default) unless given.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hasTaskset, pinned } from './lib/process.js';
import { machineInfo, printTable, ratios, roundRatios } from './lib/report.js';
import { combineRounds, runInterleaved } from './lib/runner.js';
import { goals, scenarios } from './scenarios.js';
import { SERVER_CPU, targets } from './targets.js';

const LOAD_CPU = 1;

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '2' },
      'warmup-requests': { type: 'string', default: '5000' },
      connections: { type: 'string', default: '32' },
      rounds: { type: 'string', default: '5' },
      only: { type: 'string', multiple: true },
      'no-write': { type: 'boolean', default: false },
      'skip-guard': { type: 'boolean', default: false },
      'skip-code-flow': { type: 'boolean', default: false },
      'skip-device-latency': { type: 'boolean', default: false },
      alg: { type: 'string', default: 'ES256' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (err) {
  console.error(`bench: ${err.message}\nusage: node bench/run.js [--duration S] [--warmup S] [--warmup-requests N] [--connections N] [--rounds N] [--only TEXT]… [--no-write] [--skip-guard] [--skip-code-flow] [--skip-device-latency] [--alg ES256|EdDSA]`);
  process.exit(2);
}
if (args.help) {
  console.log('usage: node bench/run.js [--duration S] [--warmup S] [--warmup-requests N] [--connections N] [--rounds N] [--only TEXT]… [--no-write] [--skip-guard] [--skip-code-flow] [--skip-device-latency] [--alg ES256|EdDSA]');
  process.exit(0);
}

// Pin the load generator to the other core: re-run this script under taskset once.
if (!process.env.TESSERA_BENCH_PINNED) {
  const [cmd, argv] = pinned(LOAD_CPU, process.execPath, process.argv.slice(1));
  const r = spawnSync(cmd, argv, { stdio: 'inherit', env: { ...process.env, TESSERA_BENCH_PINNED: '1' } });
  process.exit(r.status ?? 1);
}

if (!['ES256', 'EdDSA', 'RS256'].includes(args.alg)) {
  console.error('bench: --alg must be ES256, EdDSA or RS256');
  process.exit(2);
}
// Read by targets.js when it starts each server.
process.env.TESSERA_BENCH_ALG = args.alg;

const settings = {
  alg: args.alg,
  duration: Number(args.duration),
  warmup: Number(args.warmup),
  warmupRequests: Number(args['warmup-requests']),
  connections: Number(args.connections),
  rounds: Number(args.rounds),
  serverCpu: SERVER_CPU,
  loadCpu: LOAD_CPU,
};
if (!hasTaskset) console.log('bench: taskset not found: processes are NOT pinned, figures are less comparable');
for (const [k, v] of Object.entries(settings)) {
  if (k === 'alg') continue;
  const max = k === 'warmupRequests' ? 1_000_000 : 600;
  const min = k === 'rounds' || k === 'connections' || k === 'duration' ? 1 : 0;
  if (!Number.isInteger(v) || v < min || v > max) {
    console.error(`bench: --${k} must be an integer between ${min} and ${max}`);
    process.exit(2);
  }
}

const selected = scenarios.filter((s) => !args.only || args.only.some((o) => s.name.includes(o)));
const machine = machineInfo();
console.log(`bench: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, load ${machine.loadavg1mAtStart}`);
console.log(`bench: ${settings.connections} connections, warm-up ≥ ${settings.warmup} s and ≥ ${settings.warmupRequests} requests, then ${settings.duration} s per scenario; servers on core ${SERVER_CPU}, load on core ${LOAD_CPU}`);

// All targets run at once (idle ones cost nothing); each round measures every operation on each target
// back to back, alternating which goes first, so a change in machine load falls on both sides of a
// ratio. Each figure is the median over the rounds; each ratio the median of the per-round ratios.
const rounds = await runInterleaved(targets, selected, settings);
const results = combineRounds(rounds);

const rows = rounds.length > 1 ? roundRatios(rounds, goals) : ratios(results, goals);
printTable(results, rows);

// The guard (issue 4): in-process verification against raw node:crypto for each algorithm, and the
// example API protected vs unprotected. Each runs as its own process (they pin themselves).
const guard = args['skip-guard'] ? undefined : runGuardBenches();

// Issue 3: the full code flow over HTTP next to the raw argon2id verify rate, in the same run.
const codeFlow = args['skip-code-flow'] ? undefined : runCodeFlow();

// Issue 5: webhook sent → first refusal at the guard, over ≥ 200 compliance flips (bench/device-latency.js).
const deviceLatency = args['skip-device-latency'] ? undefined : runDeviceLatency();

if (!args['no-write']) {
  const record = { date: new Date().toISOString(), machine: { ...machine, loadavg1mAtEnd: Math.round(loadavg()[0] * 100) / 100 }, settings: { ...settings, pinned: hasTaskset }, results, ratios: rows, guard, codeFlow, deviceLatency };
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const stamp = record.date.replace(/[:]/g, '-').replace(/\..*/, '');
  writeFileSync(`${dir}${stamp}.json`, `${JSON.stringify(record, null, 2)}\n`);
  writeFileSync(`${dir}latest.json`, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`bench: wrote bench/results/${stamp}.json and bench/results/latest.json`);
}

/** Run a bench script that prints one JSON line last (with --json); returns that object. */
function runJsonScript(script, extra = []) {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), '--json', ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = (r.stdout ?? '').trim().split('\n');
  for (const line of lines.slice(0, -1)) console.log(`  ${line}`);
  if (r.status !== 0) throw new Error(`${script} exited ${r.status}`);
  return JSON.parse(lines.at(-1));
}

function runGuardBenches() {
  console.log('\nbench: guard — in-process verification vs raw node:crypto verify (distinct tokens, result cache off)');
  const verify = runJsonScript('./guard-verify.js');
  console.log('bench: guard — example API protected vs unprotected (one token per client, reused: the guard caches verified tokens)');
  const api = runJsonScript('../examples/protected-api/bench.js');
  console.log('\nguard                       ratio   goal');
  for (const r of verify.results) {
    const ratio = r.ratio ?? r.guard / r.raw;
    const ceiling = typeof r.rawAndParseRatio === 'number' ? `   (raw + parse alone: ${r.rawAndParseRatio.toFixed(2)}` : '';
    const peer = typeof r.fastJwtRatio === 'number' ? `, fast-jwt: ${r.fastJwtRatio.toFixed(2)}` : '';
    console.log(`verify ${r.alg.padEnd(6)} guard/raw      ${ratio.toFixed(2).padStart(5)}   ≥ 0.90: ${ratio >= 0.9 ? 'met' : 'NOT met'}${ceiling}${peer}${ceiling ? ')' : ''}`);
  }
  console.log(`example API protected/unprotected ${api.ratio.toFixed(2).padStart(5)}   ≥ 0.70: ${api.ratio >= 0.7 ? 'met' : 'NOT met'}`);
  if (typeof api.cpuRatio === 'number') console.log(`example API, per server CPU-second  ${api.cpuRatio.toFixed(2).padStart(5)}   (unprotected ÷ protected CPU µs per request, median of pairs)`);
  return { verify, api };
}

function runCodeFlow() {
  console.log('\nbench: code flow — /authorize → login → consent → code → /token (PKCE) per second, vs argon2id verifies per second');
  try {
    return runJsonScript('./code-flow.js');
  } catch (err) {
    console.log(`bench: code flow not run: ${err.message}`);
    return { note: `not run: ${err.message}` };
  }
}

function runDeviceLatency() {
  console.log('\nbench: device trust — UEM webhook sent → first 401 at the example API (guard on SSF push, then long poll), 200 flips each');
  try {
    return { push: runJsonScript('./device-latency.js', ['--delivery', 'push']), poll: runJsonScript('./device-latency.js', ['--delivery', 'poll']) };
  } catch (err) {
    console.log(`bench: device latency not run: ${err.message}`);
    return { note: `not run: ${err.message}` };
  }
}
