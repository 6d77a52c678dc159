#!/usr/bin/env node
// A Tessera server set up for the device-trust demo and its end-to-end test (run `npm run build` first).
//
//   node examples/device-trust/server.js --port 3000 --data ./data-demo [--device-jwk device.pub.json]
//
// It starts Tessera on SQLite with:
//   - a UEM webhook source `sim` (secret from --uem-secret / UEM_SECRET) that examples/uem-simulator signs with;
//   - the device-trust policy preset, its payroll rules aimed at --audience;
//   - the SSF transmitter (default on);
// and seeds what the demo needs: the API resource (once), a web client (authorization code +
// refresh, DPoP) and a receiver client for the API's SSF stream (new ones on every start), the user alice, and — with --device-jwk —
// alice's device registered with that public key. It prints one JSON line with everything a client needs.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTessera, DEVICE_TRUST_PRESET } from '@tessera/server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    data: { type: 'string', default: process.env.TESSERA_DATA_DIR ?? './data-device-trust' },
    audience: { type: 'string', default: process.env.API_AUDIENCE ?? 'https://payroll.example.com' },
    'uem-secret': { type: 'string', default: process.env.UEM_SECRET },
    'device-jwk': { type: 'string' },
    'device-id': { type: 'string', default: 'alice-laptop' },
    'redirect-uri': { type: 'string', default: 'http://127.0.0.1:9999/callback' },
    password: { type: 'string', default: process.env.DEMO_PASSWORD ?? 'correct horse battery staple' },
    'log-level': { type: 'string', default: process.env.LOG_LEVEL ?? 'info' },
  },
});

const issuer = `http://${values.host === '0.0.0.0' ? '127.0.0.1' : values.host}:${values.port}`;
const uemSecret = values['uem-secret'] ?? randomBytes(32).toString('hex');
mkdirSync(values.data, { recursive: true, mode: 0o700 });

// The device-trust preset (the shipped examples; "device required" only at the token endpoint, where
// the device proves its key), with "payroll-api" aimed at this demo's API.
const policy = DEVICE_TRUST_PRESET.replaceAll('Tessera::Api::"payroll-api"', `Tessera::Api::${JSON.stringify(values.audience)}`);

const tessera = await createTessera({
  config: {
    issuer,
    dev: true,
    store: { kind: 'sqlite', filename: join(values.data, 'tessera.db') },
    keys: { masterKey: randomBytes(32) },
    server: { host: values.host, port: Number(values.port), logLevel: values['log-level'] },
    devices: { uem: { sources: { sim: { secrets: [uemSecret] } } } },
    policy: { text: policy },
  },
});

async function seed() {
  const resources = await tessera.admin.listResources();
  if (!resources.some((r) => r.id === values.audience)) {
    await tessera.admin.createResource({ id: values.audience, name: 'Payroll API', tokenFormat: 'jwt', ttl: '5m', scopes: ['reports:read'] });
  }
  const web = await tessera.admin.createClient({
    name: 'payroll-app',
    scopes: ['openid', 'reports:read'],
    resources: [values.audience],
    grantTypes: ['authorization_code', 'refresh_token'],
    redirectUris: [values['redirect-uri']],
  });
  const receiver = await tessera.admin.createClient({
    name: 'payroll-api-ssf',
    scopes: ['ssf'],
    resources: [tessera.deviceTrust.ssf?.audience ?? `${issuer}/ssf`],
    grantTypes: ['client_credentials'],
  });
  let user = await tessera.storage.users.findByUsername('alice');
  user ??= await tessera.admin.users.create({ username: 'alice', password: values.password, email: 'alice@example.com', emailVerified: true });
  // A service client for machine callers (client_credentials, DPoP-bound from a device key).
  const service = await tessera.admin.createClient({ name: 'payroll-service', scopes: ['reports:read'], resources: [values.audience], grantTypes: ['client_credentials'] });
  // One public JWK → alice's device `--device-id`; an array → devices `<device-id>-0`, `-1`, … (the benchmark's fleet).
  const devices = [];
  if (values['device-jwk'] !== undefined) {
    const given = JSON.parse(readFileSync(values['device-jwk'], 'utf8'));
    const jwks = Array.isArray(given) ? given : [given];
    for (const [i, jwk] of jwks.entries()) {
      const id = Array.isArray(given) ? `${values['device-id']}-${i}` : values['device-id'];
      const device = (await tessera.devices.get(id)) ?? (await tessera.devices.enrol({ id, userId: user.id, platform: 'macos', osVersion: '14.5', uem: 'sim', displayName: `Alice's laptop ${i}`, keys: [jwk] }));
      devices.push(device.id);
    }
  }
  return {
    issuer,
    audience: values.audience,
    uem: { url: `${issuer}/signals/uem/sim`, source: 'sim', secret: uemSecret },
    web: { clientId: web.client.clientId, clientSecret: web.clientSecret, redirectUri: values['redirect-uri'] },
    service: { clientId: service.client.clientId, clientSecret: service.clientSecret },
    receiver: { clientId: receiver.client.clientId, clientSecret: receiver.clientSecret, ssfAudience: tessera.deviceTrust.ssf?.audience },
    user: { id: user.id, username: 'alice' },
    device: devices.length === 0 ? null : { id: devices[0] },
    devices,
  };
}

const seeded = await seed();
await tessera.listen();
console.log(JSON.stringify({ listening: issuer, ...seeded }));
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => tessera.close().then(() => process.exit(0)));
