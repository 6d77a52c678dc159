import { generateKeyPairSync, verify } from 'node:crypto';
import { exportJWK, SignJWT } from 'jose';
import { verifyJwt, validateClaims } from '../packages/token/dist/index.js';
import { createGuard } from '../packages/guard/dist/index.js';
const alg = process.argv[2] ?? 'RS256';
const { privateKey, publicKey } = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg, use: 'sig' };
const body = JSON.stringify({ keys: [jwk] });
const fetch = async () => ({ status: 200, headers: { get: () => null }, text: async () => body });
const guard = createGuard({ issuer: 'https://i.example', audience: 'a', algorithms: [alg], jwtCache: false, fetch, metadata: { jwksUri: 'https://i.example/jwks' } });
await guard.ready();
const now = Math.floor(Date.now() / 1000);
const tokens = [];
for (let i = 0; i < 500; i++) tokens.push(await new SignJWT({ sub: 'u', client_id: 'c', jti: `j${i}`, scope: 'reports:read' }).setProtectedHeader({ alg, kid: 'bench', typ: 'at+jwt' }).setIssuer('https://i.example').setAudience('a').setIssuedAt(now).setExpirationTime(now + 3600).sign(privateKey));
const entry = { kid: 'bench', alg, key: publicKey };
const opts = { typ: 'at+jwt', getKey: () => entry };
const items = tokens.map((t) => { const d = t.lastIndexOf('.'); return [Buffer.from(t.slice(0, d)), Buffer.from(t.slice(d + 1), 'base64url')]; });
const k = alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey;
function us(name, fn, arr) { const s = process.cpuUsage(); let n = 0, u = 0; while (u < 1.5e6) { for (let i = 0; i < 100; i++) fn(arr[(n + i) % arr.length]); n += 100; const d = process.cpuUsage(s); u = d.user + d.system; } console.log(name.padEnd(12), (u / n).toFixed(2), 'µs'); }
const cOpts = { issuer: 'https://i.example', audience: 'a', now, clockTolerance: 10, required: ['iss','exp','aud','sub','client_id','iat','jti'] };
const payloads = tokens.map((t) => verifyJwt(t, opts).payload);
const req = guard.prepare({ scopes: ['reports:read'] });
for (let r = 0; r < 2; r++) {
us('raw', ([i, s]) => verify(alg === 'ES256' ? 'sha256' : 'sha256', i, k, s), items);
us('raw+objkey', ([i, s]) => verify('sha256', i, alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey, s), items);
us('verifyJwt', (t) => verifyJwt(t, opts), tokens);
us('validate', (p) => validateClaims(p, cOpts), payloads);
us('guard', (t) => guard.checkToken(t, req), tokens);
}
