import { createLocalJWKSet, jwtVerify, type JWTPayload, type JWTVerifyResult } from 'jose';
import { form, FORM, ISSUER, setup, type Fixture } from '../helpers.js';

export const SSF_AUDIENCE = `${ISSUER}/ssf`;

export interface SsfFixture extends Fixture {
  /** A receiver client allowed the SSF audience with scope `ssf`. */
  receiver: { id: string; secret: string; token: string };
  /** A second receiver with its own token. */
  stranger: { id: string; secret: string; token: string };
  call(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, token: string | null, body?: unknown): Promise<{ status: number; json: unknown; headers: Record<string, unknown> }>;
  /** Verify a SET with jose against the server's published JWKS (RFC 8417 §2.3 typ). */
  verifySet(set: string, audience: string): Promise<JWTVerifyResult<JWTPayload>>;
}

async function receiverToken(f: Fixture, id: string, secret: string, scope = 'ssf'): Promise<string> {
  const res = await f.tessera.app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': FORM, authorization: f.basic(id, secret) },
    payload: form({ grant_type: 'client_credentials', resource: SSF_AUDIENCE, scope }),
  });
  if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode} ${res.body}`);
  return (res.json() as { access_token: string }).access_token;
}

/** A server (memory store, frozen clock) with two SSF receivers holding management tokens. */
export async function ssfSetup(): Promise<SsfFixture> {
  const f = await setup();
  const make = async (name: string) => {
    const created = await f.tessera.admin.createClient({ name, scopes: ['ssf'], resources: [SSF_AUDIENCE] });
    const id = created.client.clientId;
    return { id, secret: created.clientSecret, token: await receiverToken(f, id, created.clientSecret) };
  };
  const receiver = await make('guard');
  const stranger = await make('other-guard');
  return {
    ...f,
    receiver,
    stranger,
    async call(method, url, token, body) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await f.tessera.app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
      return { status: res.statusCode, json: res.body === '' ? undefined : (res.json() as unknown), headers: res.headers };
    },
    async verifySet(set, audience) {
      const jwks = (await f.tessera.app.inject({ method: 'GET', url: '/jwks.json' })).json() as { keys: object[] };
      return jwtVerify(set, createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]), {
        issuer: ISSUER,
        audience,
        typ: 'secevent+jwt',
        currentDate: new Date(f.clock.now()),
      });
    },
  };
}
