// In-process JWT access-token verification rate of @tessera/guard against the raw node:crypto verify
// rate of the same algorithm, measured in the same run (issue 4 target: guard ≥ 90% of raw).
//
//   npm run build && node bench/guard-verify.js [--seconds 1] [--rounds 7] [--tokens 2000] [--json]
//
// Every token is distinct (its own jti) and the guard's verified-token cache is off, so each call pays
// for a full verification: header/payload decoding, key lookup, signature, claims, requirements.
// Raw = crypto.verify on pre-built buffers (signing input + signature) with the same KeyObject.
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { parseArgs } from 'node:util';
import { exportJWK, SignJWT } from 'jose';
import { createGuard } from '../packages/guard/dist/index.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '7' },
    tokens: { type: 'string', default: '2000' },
    json: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const TOKENS = Number(args.tokens);
const ISSUER = 'https://as.bench.example';
const AUDIENCE = 'https://api.bench.example';

function keyPair(alg) {
  if (alg === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519');
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

function rawVerifier(alg, publicKey) {
  const key = alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey;
  const digest = alg === 'EdDSA' ? null : 'sha256';
  return (input, signature) => verify(digest, input, key, signature);
}

/**
 * Calls per second of fn, cycling through `items`, for `seconds` of this process's CPU time. CPU time
 * (process.cpuUsage) rather than wall time: the machine is shared, and time spent descheduled is not
 * the code's cost. Single-threaded work, so CPU seconds ≈ one core's seconds.
 */
function rate(fn, items, seconds) {
  let n = 0;
  const start = process.cpuUsage();
  const budget = seconds * 1e6;
  let used = 0;
  while (used < budget) {
    for (let i = 0; i < 200; i++) fn(items[(n + i) % items.length]);
    n += 200;
    const d = process.cpuUsage(start);
    used = d.user + d.system;
  }
  return (n * 1e6) / used;
}

async function scenario(alg) {
  const { privateKey, publicKey } = keyPair(alg);
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg, use: 'sig' };
  const body = JSON.stringify({ keys: [jwk] });
  const fetch = async () => ({ status: 200, headers: { get: (n) => (n === 'cache-control' ? 'max-age=3600' : null) }, text: async () => body });
  const guard = createGuard({
    issuer: ISSUER, audience: AUDIENCE, algorithms: [alg], jwtCache: false, fetch, metadata: { jwksUri: `${ISSUER}/jwks` },
  });
  await guard.ready();
  const now = Math.floor(Date.now() / 1000);
  const tokens = [];
  for (let i = 0; i < TOKENS; i++) {
    tokens.push(await new SignJWT({ sub: `user-${i}`, client_id: 'bench', scope: 'reports:read', jti: `jti-${i}` })
      .setProtectedHeader({ alg, kid: 'bench', typ: 'at+jwt' }).setIssuer(ISSUER).setAudience(AUDIENCE)
      .setIssuedAt(now).setExpirationTime(now + 3600).sign(privateKey));
  }
  const requirements = guard.prepare({ scopes: ['reports:read'] });
  const rawItems = tokens.map((t) => {
    const dot = t.lastIndexOf('.');
    return [Buffer.from(t.slice(0, dot)), Buffer.from(t.slice(dot + 1), 'base64url')];
  });
  const raw = rawVerifier(alg, publicKey);
  for (const [input, signature] of rawItems) if (!raw(input, signature)) throw new Error('raw verify failed');
  for (const t of tokens) {
    const r = guard.checkToken(t, requirements);
    if (r instanceof Promise || r.subject === undefined) throw new Error('guard path is not synchronous');
  }
  // Warm up both, then alternate rounds so drift affects both equally.
  rate(([i, s]) => raw(i, s), rawItems, 0.5);
  rate((t) => guard.checkToken(t, requirements), tokens, 0.5);
  // The machine is shared: short alternating pairs, ratio per pair, median of the ratios.
  const raws = [];
  const guards = [];
  const ratios = [];
  for (let r = 0; r < ROUNDS; r++) {
    const a = rate(([i, s]) => raw(i, s), rawItems, SECONDS / 2);
    const b = rate((t) => guard.checkToken(t, requirements), tokens, SECONDS);
    const c = rate(([i, s]) => raw(i, s), rawItems, SECONDS / 2);
    raws.push((a + c) / 2);
    guards.push(b);
    ratios.push(b / ((a + c) / 2));
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const rawRate = median(raws);
  const guardRate = median(guards);
  // Same process, same data: a sign check that the raw numbers are sane.
  sign(alg === 'EdDSA' ? null : 'sha256', rawItems[0][0], privateKey);
  return { alg, raw: Math.round(rawRate), guard: Math.round(guardRate), ratio: Number(median(ratios).toFixed(3)) };
}

const results = [];
for (const alg of ['EdDSA', 'ES256', 'RS256']) results.push(await scenario(alg));
if (args.json) console.log(JSON.stringify({ bench: 'guard-verify', target: 0.9, results }));
else {
  console.log('guard verify vs raw node:crypto verify (same alg, same run; target ≥ 0.90)');
  for (const r of results) {
    console.log(`${r.alg.padEnd(6)} raw ${String(r.raw).padStart(7)}/s  guard ${String(r.guard).padStart(7)}/s  ratio ${r.ratio.toFixed(3)} ${r.ratio >= 0.9 ? 'ok' : 'BELOW TARGET'}`);
  }
}
