import { createMemoryStorage, type Storage } from '@tessera/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTessera, type Tessera } from '../../src/index.js';
import { frozenClock, JWT_API, logCapture } from '../helpers.js';
import { clientRecord, PASSWORD, pkce, WEB_REDIRECT } from './fixture.js';
import { parseForm } from './scripted-login.js';

/**
 * Interaction state lives in a sealed cookie, so a sign-in may hop between server nodes that share
 * the database and the master key, without sticky sessions.
 */
const ISSUER = 'https://id.example.com';
let storage: Storage;
let nodes: Tessera[];

beforeAll(async () => {
  const clock = frozenClock();
  storage = createMemoryStorage({ now: clock.now });
  const node = () =>
    createTessera({
      config: { issuer: ISSUER, dev: true, store: { kind: 'memory' }, keys: { masterKey: Buffer.alloc(32, 9) } },
      storage,
      now: clock.now,
      logStream: logCapture().stream,
    });
  nodes = [await node(), await node()];
  await nodes[0]!.admin.createResource({ id: JWT_API, tokenFormat: 'jwt', ttl: '10m', scopes: ['read'] });
  await storage.clients.create(clientRecord());
  await nodes[0]!.admin.users.create({ username: 'alice', password: PASSWORD });
});
afterAll(async () => {
  for (const node of nodes) await node.close();
  await storage.close();
});

/** A browser talking to whichever node a load balancer picks (alternating here). */
function roundRobin() {
  const jar = new Map<string, string>();
  let turn = 0;
  return async (method: 'GET' | 'POST', url: string, form?: Record<string, string>) => {
    const node = nodes[turn++ % nodes.length]!;
    const response = await node.app.inject({
      method,
      url,
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        'sec-fetch-site': 'same-origin',
        ...(form && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(form && { payload: new URLSearchParams(form).toString() }),
    });
    const set = response.headers['set-cookie'];
    for (const line of Array.isArray(set) ? set : set ? [set] : []) {
      const [pair = ''] = line.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (/Max-Age=0/.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };
}

describe('several nodes, one database', () => {
  it('a sign-in started on one node finishes on another (cookies are __Host- prefixed over https)', async () => {
    const browse = roundRobin();
    const query = new URLSearchParams({ response_type: 'code', client_id: 'web-app', redirect_uri: WEB_REDIRECT, scope: 'openid', state: 's', code_challenge: pkce().challenge, code_challenge_method: 'S256' });
    const start = await browse('GET', `/authorize?${query}`);
    expect(String(start.headers['set-cookie'])).toMatch(/^__Host-tessera_interaction_[\w-]{22}=[^;]+; Path=\/; Max-Age=600; Secure; HttpOnly; SameSite=Lax$/);
    const login = await browse('GET', start.headers.location as string);
    const loginForm = parseForm(login.body)!;
    const loggedIn = await browse('POST', loginForm.action, { ...loginForm.hidden, username: 'alice', password: PASSWORD });
    expect(loggedIn.headers.location).toMatch(/^\/consent\?i=[\w-]{22}$/);
    // RFC 6265bis §4.1.3.2: __Host- cookies are Secure, Path=/ and host-only, so no sibling subdomain can plant one.
    const cookies = [loggedIn.headers['set-cookie']].flat().join('\n');
    expect(cookies).toMatch(/^__Host-tessera_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; Secure; HttpOnly; SameSite=Lax$/m);
    expect(cookies).not.toMatch(/Domain=/i);
    const consent = await browse('GET', loggedIn.headers.location as string);
    const consentForm = parseForm(consent.body)!;
    const done = await browse('POST', consentForm.action, { ...consentForm.hidden, decision: 'approve' });
    const location = new URL(done.headers.location as string);
    expect(location.searchParams.get('code')).toMatch(/^tac_/);
    expect(location.searchParams.get('iss')).toBe(ISSUER);
  });
});

describe('discovery (RFC 8414, OpenID Discovery, RFC 9207)', () => {
  it('lists the authorization and end-session endpoints and exactly what they support', async () => {
    const metadata = (await nodes[0]!.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json();
    expect(metadata).toMatchObject({
      authorization_endpoint: `${ISSUER}/authorize`,
      end_session_endpoint: `${ISSUER}/logout`,
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'form_post'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      prompt_values_supported: ['none', 'login', 'consent'],
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
    });
    const oauth = (await nodes[0]!.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json();
    expect(oauth.authorization_endpoint).toBe(`${ISSUER}/authorize`);
  });
});
