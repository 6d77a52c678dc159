#!/usr/bin/env node
// Start the example protected API as a process (run `npm run build` first: it builds @tessera/guard).
//
//   node examples/protected-api/server.js --issuer http://127.0.0.1:3000 --audience https://reports.example.com
//
// Options (flags, or the environment variable in brackets):
//   --issuer URL           Tessera's issuer identifier               [TESSERA_ISSUER]   default http://localhost:3000 (what `tessera start --dev` uses)
//   --audience ID          this API's resource identifier at Tessera [API_AUDIENCE]     default https://reports.example.com
//   --host, --port         where to listen                           [HOST, PORT]       default 127.0.0.1:4000
//   --client-id/-secret    credentials for introspecting opaque tokens [INTROSPECTION_CLIENT_ID/_SECRET]
//   --no-guard             serve /v1/reports unprotected (benchmark baseline only)
import { parseArgs } from 'node:util';
import { createGuard } from '@tessera/guard';
import { buildApp } from './app.js';

const { values } = parseArgs({
  options: {
    issuer: { type: 'string', default: process.env.TESSERA_ISSUER ?? 'http://localhost:3000' },
    audience: { type: 'string', default: process.env.API_AUDIENCE ?? 'https://reports.example.com' },
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    port: { type: 'string', default: process.env.PORT ?? '4000' },
    'client-id': { type: 'string', default: process.env.INTROSPECTION_CLIENT_ID },
    'client-secret': { type: 'string', default: process.env.INTROSPECTION_CLIENT_SECRET },
    'no-guard': { type: 'boolean', default: false },
  },
});

let guard;
if (!values['no-guard']) {
  const clientId = values['client-id'];
  const clientSecret = values['client-secret'];
  guard = createGuard({
    issuer: values.issuer,
    audience: values.audience,
    ...(clientId && clientSecret ? { introspection: { clientId, clientSecret } } : {}),
    onEvent: (event, detail) => {
      if (event === 'refused' || event === 'guard_failure' || event === 'jwks_refreshed') console.error(JSON.stringify({ event, ...detail }));
    },
  });
} else {
  console.error('WARNING: --no-guard: /v1/reports is served without any access control (benchmark baseline only)');
}

const app = await buildApp({ guard });
const address = await app.listen({ host: values.host, port: Number(values.port) });
console.log(JSON.stringify({ listening: address, protected: guard !== undefined, issuer: values.issuer, audience: values.audience }));
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => app.close().then(() => process.exit(0)));
