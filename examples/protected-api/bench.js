#!/usr/bin/env node
// Requests/s of the example API protected by the guard vs the same API unprotected (--no-guard), with a
// valid ES256 JWT access token on every request (issue 4 target: protected ≥ 70% of unprotected).
//
//   npm run build && node examples/protected-api/bench.js [--seconds 5] [--connections 32] [--alg ES256] [--rounds 5]
//
// The authorization server is a stub (node:http: RFC 8414 metadata + JWKS) so the figure is the guard's
// cost alone. Each API process is pinned to core 0 and the load generator (autocannon) to core 1 when
// taskset exists. The guard's verified-token cache is on (default): a client reuses its token.
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { cpuSeconds } from '../../bench/lib/process.js';
import { exportJWK, SignJWT } from 'jose';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    alg: { type: 'string', default: 'ES256' },
    rounds: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const AUDIENCE = 'https://reports.example.com';
const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
const pin = (cpu, argv) => (hasTaskset ? ['taskset', ['-c', String(cpu), ...argv]] : [argv[0], argv.slice(1)]);

// Re-run this script pinned to core 1 (the API processes get core 0).
if (hasTaskset && !process.env.PROTECTED_API_BENCH_PINNED) {
  const r = spawnSync('taskset', ['-c', '1', process.execPath, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, PROTECTED_API_BENCH_PINNED: '1' } });
  process.exit(r.status ?? 1);
}

const alg = args.alg;
const { privateKey, publicKey } = alg === 'EdDSA' ? generateKeyPairSync('ed25519')
  : alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg, use: 'sig' }] });
const as = createServer((req, res) => {
  const body = req.url === '/jwks' ? jwks : JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` });
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' }).end(body);
});
await new Promise((r) => as.listen(0, '127.0.0.1', r));
const issuer = `http://127.0.0.1:${as.address().port}`;
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({ sub: 'user-1', client_id: 'bench', scope: 'reports:read', jti: 'j1' })
  .setProtectedHeader({ alg, kid: 'k1', typ: 'at+jwt' }).setIssuer(issuer).setAudience(AUDIENCE)
  .setIssuedAt(now).setExpirationTime(now + 3600).sign(privateKey);

async function run(extra) {
  const server = fileURLToPath(new URL('./server.js', import.meta.url));
  const [cmd, argv] = pin(0, [process.execPath, server, '--issuer', issuer, '--audience', AUDIENCE, '--port', '0', ...extra]);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) => resolve(chunk.toString()));
    child.once('exit', (code) => reject(new Error(`server.js exited ${code}`)));
  });
  const url = `${JSON.parse(line).listening}/v1/reports`;
  try {
    const headers = { authorization: `Bearer ${token}` };
    const check = await fetch(url, { headers });
    if (check.status !== 200) throw new Error(`warm-up answered ${check.status}`);
    await autocannon({ url, headers, connections: Number(args.connections), duration: 1 });
    const cpuBefore = cpuSeconds(child.pid);
    const result = await autocannon({ url, headers, connections: Number(args.connections), duration: Number(args.seconds) });
    const cpu = cpuSeconds(child.pid) - cpuBefore;
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`);
    // Server CPU per request (from /proc; NaN off Linux): steadier than req/s when the machine is shared.
    return { rps: Math.round(result.requests.average), p99: result.latency.p99, cpuUsPerReq: Math.round((cpu / result.requests.total) * 1e6 * 10) / 10 };
  } finally {
    child.kill('SIGTERM');
  }
}

// The machine is shared: alternate unprotected/protected rounds and report the median ratio of the pairs.
const pairs = [];
for (let r = 0; r < Number(args.rounds); r++) {
  const unprotected = await run(['--no-guard']);
  const guarded = await run([]);
  pairs.push({ unprotected, guarded, ratio: guarded.rps / unprotected.rps, cpuRatio: unprotected.cpuUsPerReq / guarded.cpuUsPerReq });
}
as.close();
const cpuRatios = pairs.map((p) => p.cpuRatio).sort((a, b) => a - b);
const cpuRatio = cpuRatios[Math.floor(cpuRatios.length / 2)];
pairs.sort((a, b) => a.ratio - b.ratio);
const { unprotected, guarded, ratio } = pairs[Math.floor(pairs.length / 2)];
console.log(`example API, ${alg} JWT, ${args.connections} connections, ${args.seconds}s per run, median of ${pairs.length} alternating pairs`);
console.log(`ratios: ${pairs.map((p) => p.ratio.toFixed(3)).join(' ')}`);
console.log(`unprotected ${unprotected.rps} req/s (p99 ${unprotected.p99} ms)`);
console.log(`protected   ${guarded.rps} req/s (p99 ${guarded.p99} ms)  ratio ${ratio.toFixed(3)} ${ratio >= 0.7 ? 'ok' : 'BELOW TARGET'} (target ≥ 0.70)`);
console.log(`server CPU per request: unprotected ${unprotected.cpuUsPerReq} µs, protected ${guarded.cpuUsPerReq} µs; per CPU-second ratio (median of pairs) ${cpuRatio.toFixed(3)}`);
if (args.json) {
  console.log(JSON.stringify({ bench: 'protected-api', alg, target: 0.7, unprotected, protected: guarded, ratio, ratios: pairs.map((p) => p.ratio), cpuRatio, cpuRatios: pairs.map((p) => p.cpuRatio) }));
}
