// What is measured. A scenario = { name, target, op, prepare(handle) → request }; a request is what
// autocannon sends plus `check(status, body)`, run once before the load to prove the request is the
// operation it claims to be (a benchmark of error responses measures nothing).
//
// To add a scenario (guard verify, code flow, device-compliance latency …) append an object here; a new
// server goes in targets.js. Scenarios with the same `op` on different targets are compared in ratios.

import { URLSearchParams } from 'node:url';

const form = (params) => new URLSearchParams(params).toString();
const FORM = 'application/x-www-form-urlencoded';

const issue = (kind) => (h) => ({
  url: h.tokenEndpoint,
  method: 'POST',
  headers: { 'content-type': FORM, authorization: h.authorization },
  body: form({ grant_type: 'client_credentials', resource: h.resources[kind], scope: h.scope }),
  check: (status, body) => status === 200 && typeof body.access_token === 'string' && (kind !== 'jwt' || body.access_token.split('.').length === 3),
});

const introspect = (kind) => async (h) => {
  const issued = issue(kind)(h);
  const res = await fetch(issued.url, { method: 'POST', headers: issued.headers, body: issued.body });
  const json = await res.json();
  if (!res.ok) throw new Error(`could not obtain a ${kind} token to introspect: ${res.status} ${JSON.stringify(json)}`);
  return {
    url: h.introspectionEndpoint,
    method: 'POST',
    headers: { 'content-type': FORM, authorization: h.authorization },
    body: form({ token: json.access_token }),
    check: (status, body) => status === 200 && body.active === true,
  };
};

export const scenarios = [
  {
    name: 'floor: hello-world',
    target: 'floor',
    op: 'hello',
    prepare: (h) => ({ url: `${h.url}/`, method: 'GET', headers: {}, check: (status) => status === 200 }),
  },
  ...['tessera', 'oidc-provider'].flatMap((target) => [
    { name: `${target}: client_credentials → JWT`, target, op: 'issue-jwt', prepare: issue('jwt') },
    { name: `${target}: client_credentials → opaque`, target, op: 'issue-opaque', prepare: issue('opaque') },
    { name: `${target}: introspect opaque`, target, op: 'introspect-opaque', prepare: introspect('opaque') },
    // oidc-provider refuses to introspect structured (JWT) tokens by design (unsupported_token_type).
    ...(target === 'tessera' ? [{ name: `${target}: introspect JWT`, target, op: 'introspect-jwt', prepare: introspect('jwt') }] : []),
  ]),
];

/** Targets from the issue-2 acceptance list: Tessera/oidc-provider req/s at least this much. */
export const goals = { 'issue-jwt': 3, 'issue-opaque': 2 };
