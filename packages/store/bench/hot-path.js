// Hot-path micro-benchmark for @tessera/store: tokens.put, tokens.get, revocations.get.
//   npx tsc -b packages/store && taskset -c 1 node packages/store/bench/hot-path.js [--pg URL]
// Prints wall-clock ops/s and ops per CPU-second of this process (the figure that does not depend on
// what else the shared machine is doing). "c1" = one call at a time (awaited); "c32" = 32 in flight,
// as under a server's concurrent requests (where group commit batches the puts).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresStorage, createSqliteStorage } from '../dist/index.js';

const N = Number(process.env.N ?? 20_000);
const argPg = process.argv.indexOf('--pg');
const pgUrl = argPg > 0 ? process.argv[argPg + 1] : process.env.TESSERA_TEST_PG_URL;

function makeToken(i) {
  const now = Date.now();
  return {
    v: 1, hash: randomBytes(32).toString('base64url'), kind: 'access_token', jti: randomUUID(), clientId: 'c_bench',
    subject: 'c_bench', audience: ['https://api.example.com'], scope: ['read', 'write'], grantId: `g${i % 100}`,
    jkt: null, deviceId: null, sessionId: null, claims: {}, issuedAt: new Date(now), expiresAt: new Date(now + 600_000),
    revokedAt: null,
  };
}

async function measure(label, n, concurrency, op) {
  let next = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const worker = async () => { while (next < n) await op(next++); };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const c = process.cpuUsage(cpu0);
  const cpu = (c.user + c.system) / 1e6;
  const result = { wall: Math.round(n / wall), cpu: Math.round(n / cpu) };
  console.log(`${label.padEnd(46)} ${String(result.wall).padStart(7)} ops/s wall  ${String(result.cpu).padStart(7)} ops/cpu-s`);
  return result;
}

async function run(name, storage, n, concurrency) {
  await storage.migrate();
  const tokens = Array.from({ length: n }, (_, i) => makeToken(i));
  const revs = tokens.slice(0, 1000).map((t) => ({ jti: t.jti, clientId: 'c', expiresAt: t.expiresAt, revokedAt: t.issuedAt, reason: 'bench' }));
  for (const r of revs) await storage.revocations.add(r);
  const out = {};
  out.put = await measure(`${name} tokens.put`, n, concurrency, (i) => storage.tokens.put(tokens[i]));
  out.get = await measure(`${name} tokens.get`, n, concurrency, (i) => storage.tokens.get(tokens[i].hash));
  out.revocationGet = await measure(`${name} revocations.get (hit:miss 1:1)`, n, concurrency,
    (i) => storage.revocations.get(i % 2 ? revs[i % 1000].jti : tokens[i].jti));
  await storage.close();
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
const results = {};
let file = 0;
const sqlite = (options) => createSqliteStorage({ filename: join(dir, `b${file++}.db`), ...options });
const only = process.env.ONLY; // e.g. ONLY=pg to skip SQLite
try {
  for (const c of only === 'pg' ? [] : [1, 32]) {
    results[`sqlite prepared c${c}`] = await run(`sqlite prepared c${c}`, sqlite({}), N, c);
    results[`sqlite kysely c${c}`] = await run(`sqlite kysely c${c}`, sqlite({ preparedHotPath: false }), N, c);
  }
  if (only !== 'pg') results['sqlite prepared c32 no-group-commit'] = await run('sqlite prepared c32 no-group-commit', sqlite({ groupCommit: false }), N, 32);
  if (pgUrl) {
    const schema = `tessera_bench_${randomBytes(4).toString('hex')}`;
    const pgStorage = (options) => createPostgresStorage({ url: pgUrl, schema, pool: { max: 8 }, ...options });
    try {
      results['pg c1'] = await run('pg c1', pgStorage({}), Math.min(N, 5000), 1);
      results['pg c32'] = await run('pg c32', pgStorage({}), N, 32);
      results['pg c32 kysely'] = await run('pg c32 kysely', pgStorage({ preparedHotPath: false }), N, 32);
      results['pg c32 no-group-commit'] = await run('pg c32 no-group-commit', pgStorage({ groupCommit: false }), Math.min(N, 5000), 32);
    } finally {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(results));
