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
//   --check-jwts           also introspect JWTs, so a JWT revoked at Tessera is refused within
//                          --cache-max-age seconds (guard option introspection.checkJwts; needs the credentials)
//   --cache-max-age S      how long an introspection answer is cached (introspection.cacheMaxAge)  default 0
//   --jwks-min-age S       the least time the JWKS is cached, whatever the server's max-age (jwks.minAge)
//                          default 60; lower it only for a server that rotates keys faster (tests)
//   --no-guard             serve /v1/reports unprotected (benchmark baseline only)
//   --ssf-client-id/-secret  a client allowed Tessera's SSF audience with scope ssf: subscribe to CAEP events
//                          (device non-compliant, session revoked) and refuse the affected tokens at once
//                                                                  [SSF_CLIENT_ID/_SECRET]
//   --ssf-delivery         push (POST /ssf/events, RFC 8935) or poll (long poll, RFC 8936)  default push
//   --ssf-audience         the SSF resource at Tessera             [SSF_AUDIENCE]     default <issuer>/ssf
//   --public-url           this API's URL as Tessera reaches it (push endpoint)   default http://<host>:<port>
import { parseArgs } from 'node:util';
import { createGuard } from '@tessera/guard';
import { buildApp } from './app.js';
import { newPushSecret, registerPushEndpoint, ssfTokenSource, subscribe } from './ssf.js';

const { values } = parseArgs({
  options: {
    issuer: { type: 'string', default: process.env.TESSERA_ISSUER ?? 'http://localhost:3000' },
    audience: { type: 'string', default: process.env.API_AUDIENCE ?? 'https://reports.example.com' },
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    port: { type: 'string', default: process.env.PORT ?? '4000' },
    'client-id': { type: 'string', default: process.env.INTROSPECTION_CLIENT_ID },
    'client-secret': { type: 'string', default: process.env.INTROSPECTION_CLIENT_SECRET },
    'check-jwts': { type: 'boolean', default: false },
    'cache-max-age': { type: 'string' },
    'jwks-min-age': { type: 'string' },
    'no-guard': { type: 'boolean', default: false },
    'ssf-client-id': { type: 'string', default: process.env.SSF_CLIENT_ID },
    'ssf-client-secret': { type: 'string', default: process.env.SSF_CLIENT_SECRET },
    'ssf-audience': { type: 'string', default: process.env.SSF_AUDIENCE },
    'ssf-delivery': { type: 'string', default: 'push' },
    'public-url': { type: 'string' },
  },
});

const ssfClientId = values['ssf-client-id'];
const ssfClientSecret = values['ssf-client-secret'];
const useSsf = !values['no-guard'] && Boolean(ssfClientId && ssfClientSecret);
const getSsfToken = useSsf
  ? ssfTokenSource({ issuer: values.issuer, clientId: ssfClientId, clientSecret: ssfClientSecret, audience: values['ssf-audience'] ?? `${values.issuer}/ssf` })
  : undefined;

let guard;
if (!values['no-guard']) {
  const clientId = values['client-id'];
  const clientSecret = values['client-secret'];
  if (values['check-jwts'] && !(clientId && clientSecret)) {
    console.error('--check-jwts needs --client-id and --client-secret (introspection credentials)');
    process.exit(2);
  }
  // undefined leaves the guard's default; a bad number is refused by createGuard with the option's name.
  const seconds = (flag) => (values[flag] === undefined ? undefined : Number(values[flag]));
  guard = createGuard({
    issuer: values.issuer,
    audience: values.audience,
    ...(clientId && clientSecret ? { introspection: { clientId, clientSecret, checkJwts: values['check-jwts'], cacheMaxAge: seconds('cache-max-age') } } : {}),
    jwks: { minAge: seconds('jwks-min-age') },
    // Tessera's transmitter addresses each stream's SETs to the receiver's client id.
    ...(useSsf ? { ssf: { audience: ssfClientId, getAccessToken: getSsfToken } } : {}),
    onEvent: (event, detail) => {
      if (event === 'refused' || event === 'guard_failure' || event === 'jwks_refreshed' || event.startsWith('ssf_')) console.error(JSON.stringify({ event, ...detail }));
    },
  });
} else {
  console.error('WARNING: --no-guard: /v1/reports is served without any access control (benchmark baseline only)');
}

const app = await buildApp({ guard });
const delivery = values['ssf-delivery'] === 'poll' ? 'poll' : 'push';
const pushSecret = newPushSecret();
if (useSsf && delivery === 'push') registerPushEndpoint(app, guard, pushSecret);
const address = await app.listen({ host: values.host, port: Number(values.port) });

let subscription;
let heartbeat;
if (useSsf) {
  const publicUrl = values['public-url'] ?? address;
  subscription = await subscribe({ guard, issuer: values.issuer, getAccessToken: getSsfToken, delivery, pushUrl: `${publicUrl}/ssf/events`, pushSecret, log: (line) => console.error(JSON.stringify(line)) });
  // Push streams are silent when nothing happens; a periodic catch-up from the feed keeps the guard's
  // stream-health rule satisfied (and picks up anything a failed push left behind).
  if (delivery === 'push') {
    heartbeat = setInterval(() => guard.ssf.catchUp().catch((error) => console.error(JSON.stringify({ event: 'ssf_catch_up_failed', message: error.message }))), 30_000);
    heartbeat.unref();
  }
}
console.log(JSON.stringify({ listening: address, protected: guard !== undefined, issuer: values.issuer, audience: values.audience, ssf: useSsf ? { delivery, streamId: subscription.streamId } : null }));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    clearInterval(heartbeat);
    await subscription?.stop();
    await app.close();
    process.exit(0);
  });
}
