import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { FORM, form, ISSUER, setup, type Fixture } from '../helpers.js';

export const AUDIENCE = `${ISSUER}/admin`;
export const JSON_TYPE = 'application/json';

export interface AdminFixture {
  f: Fixture;
  /** A client registered for the admin resource with both scopes. */
  admin: { id: string; secret: string };
  /** A client registered for the admin resource with admin:read only. */
  reader: { id: string; secret: string };
  /** A fresh client_credentials token of `client` for `resource` (default: the admin audience). */
  token(client: { id: string; secret: string }, options?: { scope?: string; resource?: string }): Promise<string>;
  /** A request to the admin API with a bearer token (or none with `token: null`). */
  call(method: InjectOptions['method'], url: string, options?: { token?: string | null; body?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  /** The write token every test uses unless it says otherwise. */
  writeToken: string;
  readToken: string;
}

/** A server (memory storage, frozen clock) with an admin client, a read-only admin client and their tokens. */
export async function adminSetup(options: { logLevel?: 'info' | 'debug' } = {}): Promise<AdminFixture> {
  const f = await setup(options);
  const a = await f.tessera.admin.createClient({ name: 'console', scopes: ['admin:read', 'admin:write'], resources: [AUDIENCE] });
  const r = await f.tessera.admin.createClient({ name: 'auditor', scopes: ['admin:read'], resources: [AUDIENCE] });
  const admin = { id: a.client.clientId, secret: a.clientSecret };
  const reader = { id: r.client.clientId, secret: r.clientSecret };

  async function token(client: { id: string; secret: string }, options: { scope?: string; resource?: string } = {}): Promise<string> {
    const res = await f.tessera.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': FORM, authorization: f.basic(client.id, client.secret) },
      payload: form({ grant_type: 'client_credentials', resource: options.resource ?? AUDIENCE, ...(options.scope !== undefined && { scope: options.scope }) }),
    });
    if (res.statusCode !== 200) throw new Error(`token request failed: ${res.body}`);
    return res.json().access_token as string;
  }
  const writeToken = await token(admin);
  const readToken = await token(reader);

  const call: AdminFixture['call'] = (method, url, options = {}) => {
    const bearer = options.token === undefined ? writeToken : options.token;
    const headers: Record<string, string> = { ...(bearer !== null && { authorization: `Bearer ${bearer}` }) };
    if (options.body !== undefined) headers['content-type'] = JSON_TYPE;
    return f.tessera.app.inject({
      method,
      url: `/admin/v1${url}`,
      headers: { ...headers, ...options.headers },
      ...(options.body !== undefined && { payload: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    });
  };
  return { f, admin, reader, token, call, writeToken, readToken };
}
