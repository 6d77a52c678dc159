// Micro-benchmark of the user-flow storage paths added for issue 3, and of what they cost the issuance
// hot path (the `tokens_subject` index of migration 0003, measured by dropping it in a twin database).
//   npx tsc -b packages/store && node packages/store/bench/flows.js [--pg URL]
// Rounds are interleaved (A B A B …), medians reported, rates per CPU-second of this process (SQLite runs
// in-process, so that is its whole cost; for PostgreSQL it is only the client side), because the machine is shared.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createPostgresStorage, createSqliteStorage } from '../dist/index.js';

const N = Number(process.env.N ?? 10_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const argPg = process.argv.indexOf('--pg');
const pgUrl = argPg > 0 ? process.argv[argPg + 1] : process.env.TESSERA_TEST_PG_URL;
const hash = () => randomBytes(32).toString('base64url');

function token(kind = 'access_token') {
  const now = Date.now();
  return {
    v: 1, hash: hash(), kind, jti: randomUUID(), clientId: 'c_bench', subject: `u${now % 1000}`,
    audience: ['https://api.example.com'], scope: ['read'], grantId: randomUUID(), jkt: null, deviceId: null,
    sessionId: null, claims: {}, issuedAt: new Date(now), expiresAt: new Date(now + 600_000), revokedAt: null,
  };
}

function code() {
  const now = Date.now();
  return {
    v: 1, hash: hash(), clientId: 'c_web', userId: 'u1', sessionId: 'sid', redirectUri: 'https://app.example.com/cb',
    scope: ['openid'], resource: ['https://api.example.com'], codeChallenge: hash(), codeChallengeMethod: 'S256',
    nonce: 'n', authTime: new Date(now), acr: null, amr: ['pwd'], claims: {}, dpopJkt: null, grantId: randomUUID(),
    issuedAt: new Date(now), expiresAt: new Date(now + 60_000), consumedAt: null,
  };
}

/** Ops per CPU-second of this process: unlike wall-clock rates, barely moved by other load on the machine. */
async function measure(n, concurrency, op) {
  let next = 0;
  const cpu0 = process.cpuUsage();
  const worker = async () => { while (next < n) await op(next++); };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const c = process.cpuUsage(cpu0);
  return Math.round(n / ((c.user + c.system) / 1e6));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function flows(storage, n, c) {
  const out = {};
  const refresh = Array.from({ length: n }, () => token('refresh_token'));
  for (const t of refresh) await storage.tokens.put(t);
  out['tokens.rotate'] = await measure(n, c, (i) => storage.tokens.rotate(refresh[i].hash, token('refresh_token'), new Date()));
  const codes = Array.from({ length: n }, code);
  out['authorizationCodes.create'] = await measure(n, c, (i) => storage.authorizationCodes.create(codes[i]));
  out['authorizationCodes.consume'] = await measure(n, c, (i) => storage.authorizationCodes.consume(codes[i].hash, new Date()));
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-flows-'));
const results = {};
const add = (key, value) => (results[key] ??= []).push(value);
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const withIndex of [true, false]) {
      const filename = join(dir, `r${round}${withIndex}.db`);
      const s = createSqliteStorage({ filename });
      await s.migrate();
      if (!withIndex) {
        const raw = new BetterSqlite3(filename);
        raw.exec('drop index tokens_subject');
        raw.close();
      }
      const label = withIndex ? 'with tokens_subject' : 'without tokens_subject';
      const ts = Array.from({ length: N }, () => token());
      add(`sqlite tokens.put c32 ${label}`, await measure(N, 32, (i) => s.tokens.put(ts[i])));
      if (withIndex) for (const [k, v] of Object.entries(await flows(s, N, 32))) add(`sqlite ${k} c32`, v);
      await s.close();
    }
    if (pgUrl) {
      const schema = `tessera_bench_${randomBytes(4).toString('hex')}`;
      const s = createPostgresStorage({ url: pgUrl, schema, pool: { max: 8 } });
      try {
        await s.migrate();
        for (const [k, v] of Object.entries(await flows(s, Math.min(N, 3000), 32))) add(`pg ${k} c32`, v);
      } finally {
        await s.close();
        const { default: pg } = await import('pg');
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(48)} ${String(median(v)).padStart(7)} ops/cpu-s  (rounds: ${v.join(', ')})`);
