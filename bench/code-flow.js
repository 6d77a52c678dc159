// Issue 3: the full authorization-code flow per second over HTTP against a running Tessera, next to the
// raw argon2id verify rate (the server's OWASP parameters) measured in the same run. A flow costs one
// password hash check by design, so flows/s ÷ verifies/s says how little the rest of the flow adds.
//
//   npm run build && node bench/code-flow.js [--seconds 8] [--concurrency 4] [--rounds 3] [--json]
//
// Tessera runs on core 0 (`tessera start --dev`, SQLite, durable), this driver on core 1. Each flow is
// a fresh browser (cookie jar) doing what a person and a public client do, PKCE S256 every time:
//   full:       GET /authorize (prompt=consent) → GET /login → POST /login → GET /consent → POST /consent
//               → code at the redirect URI → POST /token (authorization_code + code_verifier)
//   remembered: the same user already consented to this client and scope: no consent page.
// Every flow is checked (state, iss, code; the token response has an access token and an ID token).
// Sequential (one user at a time) and with --concurrency users at once (each their own account).
// Per round: argon2 verifies/s and CPU µs/verify (own process on core 0 while Tessera idles), then the
// flows; the reported ratio is the median of the per-round ratios. The server's CPU per flow is also
// split: its event-loop thread alone ("of it loop") is what the flow costs beyond the hash.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, URLSearchParams } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, hasTaskset, pinned, startServer, threadCpuSeconds } from './lib/process.js';

const SERVER_CPU = 0;
const DRIVER_CPU = 1;

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);
for (const [name, v, max] of [['seconds', SECONDS, 600], ['concurrency', CONCURRENCY, 64], ['rounds', ROUNDS, 50]]) {
  if (!Number.isInteger(v) || v < 1 || v > max) {
    console.error(`code-flow: --${name} must be an integer between 1 and ${max}`);
    process.exit(2);
  }
}

// Pin this driver to the other core: re-run this script under taskset once.
if (hasTaskset && !process.env.TESSERA_CODE_FLOW_PINNED) {
  const [cmd, argv] = pinned(DRIVER_CPU, process.execPath, process.argv.slice(1));
  const r = spawnSync(cmd, argv, { stdio: 'inherit', env: { ...process.env, TESSERA_CODE_FLOW_PINNED: '1' } });
  process.exit(r.status ?? 1);
}

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const CLI = here('../packages/cli/bin/tessera.js');
const REDIRECT = 'http://127.0.0.1/bench-callback';
const RESOURCE = 'https://api.bench.test/flow';
const SCOPE = 'openid read';
const PASSWORD = 'bench: correct horse battery staple';

/** Run the Tessera CLI (fixtures only, not measured); returns parsed `--json` output. */
function cli(argv, env, input) {
  const r = spawnSync(process.execPath, [CLI, ...argv, '--json'], { env: { ...process.env, ...env }, encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`tessera ${argv.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout);
}

// --- a browser without JavaScript: cookies, redirects, forms -------------------------------------

const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescape = (text) => text.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]);

/** The first POST form of a page: its action and hidden fields. */
function parseForm(body) {
  const form = /<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/.exec(body);
  if (form === null) return undefined;
  const hidden = {};
  for (const input of form[2].matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) hidden[unescape(input[1])] = unescape(input[2]);
  return { action: unescape(form[1]), hidden };
}

class Browser {
  constructor(origin) {
    this.origin = origin;
    this.cookies = new Map();
  }

  async request(url, form) {
    const headers = { 'sec-fetch-site': 'same-origin' };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(new URL(url, this.origin), {
      method: form === undefined ? 'GET' : 'POST',
      headers,
      redirect: 'manual',
      body: form === undefined ? undefined : new URLSearchParams(form).toString(),
    });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0];
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      if (/;\s*max-age=0\s*(;|$)/i.test(line)) this.cookies.delete(pair.slice(0, eq).trim());
      else this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return res;
  }
}

/**
 * One complete flow for `username`; returns the pages seen. Throws on anything unexpected, so a
 * benchmark of error pages cannot pass for a benchmark of sign-ins.
 */
async function flow(base, clientId, username, { forceConsent }) {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(12).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, scope: SCOPE, state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    resource: RESOURCE, ...(forceConsent && { prompt: 'consent' }),
  });
  const browser = new Browser(base);
  let res = await browser.request(`/authorize?${query}`);
  const pages = [];
  let redirect;
  for (let step = 0; step < 12 && redirect === undefined; step++) {
    if (res.status === 302 || res.status === 303) {
      const location = new URL(res.headers.get('location'), base);
      await res.arrayBuffer();
      if (location.origin !== base) redirect = location;
      else res = await browser.request(location.href);
      continue;
    }
    const body = await res.text();
    const form = res.status === 200 ? parseForm(body) : undefined;
    if (form === undefined) throw new Error(`flow stopped: ${res.status} ${body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').slice(0, 160)}`);
    const page = new URL(form.action, base).pathname;
    pages.push(page);
    let fields;
    if (page === '/login') fields = { username, password: PASSWORD };
    else if (page === '/consent') fields = { decision: 'approve' };
    else throw new Error(`flow stopped on a page it cannot answer: ${page}`);
    res = await browser.request(form.action, { ...form.hidden, ...fields });
  }
  if (redirect === undefined) throw new Error('flow: too many steps');
  if (`${redirect.origin}${redirect.pathname}` !== REDIRECT || redirect.searchParams.get('state') !== state || redirect.searchParams.get('iss') !== base) {
    throw new Error(`flow ended at an unexpected redirect: ${redirect.href.slice(0, 200)}`);
  }
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`flow ended without a code: ${redirect.search.slice(0, 200)}`);
  const token = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: clientId }).toString(),
  });
  const json = await token.json();
  if (token.status !== 200 || typeof json.access_token !== 'string' || typeof json.id_token !== 'string') {
    throw new Error(`token request answered ${token.status} ${JSON.stringify(json).slice(0, 200)}`);
  }
  return pages;
}

/** Flows for `seconds` with `users.length` concurrent users; flows/s and server CPU µs per flow. */
async function measureFlows(server, base, clientId, users, variant, seconds) {
  const forceConsent = variant === 'full';
  const expected = forceConsent ? '/login,/consent' : '/login';
  let done = 0;
  const threads0 = threadCpuSeconds(server.pid);
  const cpu0 = server.cpuSeconds();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(users.map(async (username) => {
    while (performance.now() < deadline) {
      const pages = await flow(base, clientId, username, { forceConsent });
      if (pages.join(',') !== expected) throw new Error(`${variant} flow saw pages ${pages.join(' → ')}, expected ${expected}`);
      done++;
    }
  }));
  const wall = (performance.now() - started) / 1000;
  const cpu = server.cpuSeconds() - cpu0;
  const threads1 = threadCpuSeconds(server.pid);
  // The event loop's share: everything but the argon2 hash itself (which runs on worker threads).
  const mainUsPerFlow = threads0 && threads1 ? ((threads1.main - threads0.main) / done) * 1e6 : null;
  return { flowsPerSecond: done / wall, cpuUsPerFlow: cpu === undefined ? null : (cpu / done) * 1e6, mainUsPerFlow, cpuShare: cpu / wall, flows: done };
}

function argon2Rate(seconds, concurrency) {
  const [cmd, argv] = pinned(SERVER_CPU, process.execPath, [here('./lib/argon2-rate.js'), '--seconds', String(seconds), '--concurrency', String(concurrency)]);
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`argon2-rate exited ${r.status}: ${r.stderr.trim().slice(-300)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};
const round2 = (x) => Math.round(x * 100) / 100;

// --- run -----------------------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'tessera-code-flow-'));
const env = { TESSERA_DATA_DIR: dir, TESSERA_LOG_LEVEL: 'warn' };
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
let server;
try {
  server = await startServer({
    name: 'tessera', command: process.execPath, env, cpu: SERVER_CPU,
    // TESSERA_BENCH_NODE_ARGS: extra node flags for the server only (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p").
    args: [...(process.env.TESSERA_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), CLI, 'start', '--dev', '--port', String(port), '--host', '127.0.0.1', '--issuer', base],
    readyUrl: `${base}/.well-known/oauth-authorization-server`,
  });
  cli(['resources', 'create', '--id', RESOURCE, '--format', 'jwt', '--scopes', 'read', '--ttl', '10m'], env);
  const client = cli(['clients', 'create', '--name', 'bench-spa', '--auth-method', 'none', '--grant-types', 'authorization_code',
    '--scope', SCOPE, '--resource', RESOURCE, '--redirect-uri', REDIRECT], env);
  const users = Array.from({ length: CONCURRENCY }, (_, i) => `bench-user-${i}`);
  for (const username of users) cli(['users', 'create', '--username', username, '--password-stdin'], env, `${PASSWORD}\n`);

  // Warm-up, and each user's consent remembered once (the "remembered" variant relies on it).
  for (const username of users) await flow(base, client.client_id, username, { forceConsent: false });
  for (let i = 0; i < 20; i++) await flow(base, client.client_id, users[i % users.length], { forceConsent: i % 2 === 0 });

  const cases = [
    { variant: 'full', users: users.slice(0, 1) },
    { variant: 'full', users },
    { variant: 'remembered', users: users.slice(0, 1) },
    { variant: 'remembered', users },
  ];
  const rounds = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // argon2 on the server's core while the server idles, one and CONCURRENCY verifications at a time.
    const argon2 = { 1: argon2Rate(Math.max(2, SECONDS / 2), 1), [CONCURRENCY]: argon2Rate(Math.max(2, SECONDS / 2), CONCURRENCY) };
    const rows = [];
    for (const c of cases) {
      const m = await measureFlows(server, base, client.client_id, c.users, c.variant, SECONDS);
      const a = argon2[c.users.length];
      rows.push({
        variant: c.variant, concurrency: c.users.length, ...m,
        argon2PerSecond: a.verifiesPerSecond, argon2CpuUs: a.cpuUsPerVerify,
        ratio: m.flowsPerSecond / a.verifiesPerSecond,
        cpuRatio: m.cpuUsPerFlow === null ? null : a.cpuUsPerVerify / m.cpuUsPerFlow,
      });
    }
    if (!args.json) console.log(`round ${round}: ${rows.map((r) => `${r.variant}×${r.concurrency} ${r.flowsPerSecond.toFixed(1)}/s (${r.ratio.toFixed(2)})`).join(', ')}`);
    rounds.push(rows);
  }

  const results = cases.map((c, i) => {
    const all = rounds.map((r) => r[i]);
    return {
      variant: c.variant,
      concurrency: c.users.length,
      flowsPerSecond: round2(median(all.map((r) => r.flowsPerSecond))),
      cpuUsPerFlow: all[0].cpuUsPerFlow === null ? null : Math.round(median(all.map((r) => r.cpuUsPerFlow))),
      /** Server CPU µs per flow on the event-loop thread alone (pages, cookies, SQLite, tokens; not the hash). */
      mainThreadUsPerFlow: all[0].mainUsPerFlow === null ? null : Math.round(median(all.map((r) => r.mainUsPerFlow))),
      argon2PerSecond: round2(median(all.map((r) => r.argon2PerSecond))),
      argon2CpuUsPerVerify: Math.round(median(all.map((r) => r.argon2CpuUs))),
      /** Median of the per-round ratios flows/s ÷ argon2 verifies/s (same concurrency). */
      ratio: round2(median(all.map((r) => r.ratio))),
      /** The same per CPU-second of the server's core: argon2 CPU µs/verify ÷ server CPU µs/flow. */
      cpuRatio: all[0].cpuRatio === null ? null : round2(median(all.map((r) => r.cpuRatio))),
      rounds: all.map((r) => ({ flowsPerSecond: round2(r.flowsPerSecond), cpuUsPerFlow: r.cpuUsPerFlow === null ? null : Math.round(r.cpuUsPerFlow), cpuShare: round2(r.cpuShare), argon2PerSecond: r.argon2PerSecond, ratio: round2(r.ratio) })),
    };
  });

  const pad = (s, n) => String(s).padEnd(n);
  const lpad = (s, n) => String(s).padStart(n);
  console.log(`code flow over HTTP (PKCE S256, public client, SQLite), ${SECONDS} s per case, median of ${ROUNDS} round(s); argon2id m=19456 KiB t=2 p=1`);
  console.log(`${pad('flow', 28)}${lpad('flows/s', 9)}${lpad('µs CPU/flow', 13)}${lpad('of it loop', 12)}${lpad('argon2/s', 10)}${lpad('µs CPU/hash', 13)}${lpad('flows÷hash', 11)}${lpad('per CPU', 9)}`);
  for (const r of results) {
    const name = `${r.variant === 'full' ? 'login + consent' : 'login (consent remembered)'}${r.concurrency > 1 ? ` ×${r.concurrency}` : ''}`;
    console.log(`${pad(name, 28)}${lpad(r.flowsPerSecond, 9)}${lpad(r.cpuUsPerFlow ?? '–', 13)}${lpad(r.mainThreadUsPerFlow ?? '–', 12)}${lpad(r.argon2PerSecond, 10)}${lpad(r.argon2CpuUsPerVerify, 13)}${lpad(r.ratio.toFixed(2), 11)}${lpad(r.cpuRatio?.toFixed(2) ?? '–', 9)}`);
  }
  if (args.json) console.log(JSON.stringify({ bench: 'code-flow', seconds: SECONDS, rounds: ROUNDS, pinned: hasTaskset, results }));
} finally {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}
