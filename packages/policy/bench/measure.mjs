// Evaluations per second of PolicyEngine.decide() with a preparsed policy set, measured robustly on a
// shared machine: many short batches; median wall time, median CPU time and the best (least disturbed) batch.
// Run after a build:  npx tsc -b packages/policy && node packages/policy/bench/measure.mjs
import { DEVICE_TRUST_POLICIES, PolicyEngine, defaultProfiles, devicePosture, evaluateCompliance } from '../dist/index.js';

const now = new Date('2026-11-26T06:00:00Z');
const signals = {
  deviceId: 'mac-1', platform: 'macos', osVersion: '14.2.1', diskEncrypted: true, passcodeCompliant: true,
  managed: true, reportedAt: new Date('2026-11-26T05:00:00Z'), source: 'uem-sim',
};
const profiles = defaultProfiles();
const device = devicePosture(signals, evaluateCompliance(signals, profiles, now), true);
const base = { action: 'token', client: { id: 'web-app' }, scopes: ['openid', 'read'], grantType: 'authorization_code' };
const userDevice = { ...base, user: { id: 'alice', groups: ['staff'] }, acr: 'urn:tessera:acr:mfa', audience: 'payroll-api', device };
const service = { ...base, grantType: 'client_credentials', audience: 'hr-api' };

// Wall time on a shared 2-core machine includes time spent waiting for a core; CPU time consumed by
// this process (process.cpuUsage) does not, so it is reported too: evaluations/s per core = 1e6 / cpu µs.
function measure(name, fn, { batches = 60, perBatch = 500 } = {}) {
  for (let i = 0; i < 2000; i++) fn();
  const wall = [];
  const cpu = [];
  for (let b = 0; b < batches; b++) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) fn();
    wall.push(Number(process.hrtime.bigint() - start) / perBatch / 1000);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / perBatch);
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const w = median(wall);
  const c = median(cpu);
  const fmt = (us) => `${us.toFixed(1).padStart(6)} µs (${String(Math.round(1e6 / us)).padStart(7)}/s)`;
  process.stdout.write(`${name.padEnd(54)} wall ${fmt(w)}  cpu ${fmt(c)}  best wall ${wall[0].toFixed(1)} µs\n`);
}

// The decision cache is off for the Cedar numbers, or every call after the first would be a cache hit.
const validated = PolicyEngine.fromText(DEVICE_TRUST_POLICIES, undefined, { validateRequests: true, decisionCacheSize: 0 });
const fast = PolicyEngine.fromText(DEVICE_TRUST_POLICIES, undefined, { decisionCacheSize: 0 }); // default: JS shape check only
const cached = PolicyEngine.fromText(DEVICE_TRUST_POLICIES);
for (const [decision, req] of [[validated.decide(userDevice), 'user+device'], [validated.decide(service), 'service']]) {
  if (decision.decision !== 'allow') throw new Error(`bench request ${req} was denied: ${decision.reasons}`);
}
measure('decide: user + device, validateRequests: true', () => validated.decide(userDevice));
measure('decide: user + device (default: JS shape check)', () => fast.decide(userDevice));
measure('decide: client_credentials, validateRequests: true', () => validated.decide(service));
measure('decide: client_credentials (default)', () => fast.decide(service));
measure('decide: user + device, decision cache hit', () => cached.decide(userDevice), { perBatch: 5000 });
measure('evaluateCompliance: default macOS profile', () => evaluateCompliance(signals, profiles, now), { perBatch: 20000 });
