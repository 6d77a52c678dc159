// The example API as an OpenID Shared Signals receiver (issue 5 §6): it gets an access token for
// Tessera's SSF audience (client_credentials, scope `ssf`), creates its stream, catches up from the
// feed, and then receives CAEP events by push (RFC 8935, POST /ssf/events) or long poll (RFC 8936).
// The guard turns them into deny-list entries; from then on the affected tokens are refused.
import { randomBytes } from 'node:crypto';

/**
 * Caches one access token for the SSF audience, renewed 30 s before it expires.
 * @param {{ issuer: string, clientId: string, clientSecret: string, audience: string }} options
 * @returns {() => Promise<string>}
 */
export function ssfTokenSource({ issuer, clientId, clientSecret, audience }) {
  let cached = null;
  return async function getAccessToken() {
    if (cached !== null && cached.renewAt > Date.now()) return cached.token;
    const res = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
      },
      body: new globalThis.URLSearchParams({ grant_type: 'client_credentials', resource: audience, scope: 'ssf' }),
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`SSF token: ${res.status} ${JSON.stringify(body)}`);
    cached = { token: body.access_token, renewAt: Date.now() + (body.expires_in - 30) * 1000 };
    return cached.token;
  };
}

/**
 * Register the push endpoint (before `listen`). Only the transmitter knows `secret`: it is the
 * stream's `authorization_header`, so nobody else can post events here.
 * @param {import('fastify').FastifyInstance} app @param {import('@tessera/guard').Guard} guard @param {string} secret
 */
export function registerPushEndpoint(app, guard, secret) {
  app.addContentTypeParser('application/secevent+jwt', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));
  app.post('/ssf/events', async (request, reply) => {
    if (request.headers.authorization !== `Bearer ${secret}`) {
      return reply.code(400).send({ err: 'authentication_failed', description: 'missing or wrong Authorization' });
    }
    const { status, headers, body } = await guard.ssf.handlePush(request.body, request.headers['content-type']);
    return reply.code(status).headers(headers).send(body);
  });
}

/**
 * Create this API's stream at the transmitter and start receiving.
 * @param {{ guard: import('@tessera/guard').Guard, issuer: string, getAccessToken: () => Promise<string>,
 *   delivery: 'push' | 'poll', pushUrl?: string, pushSecret?: string, log?: (line: object) => void }} options
 * @returns {Promise<{ streamId: string, stop: () => Promise<void> }>}
 */
export async function subscribe({ guard, issuer, getAccessToken, delivery, pushUrl, pushSecret, log = () => undefined }) {
  const metadata = await (await fetch(`${issuer}/.well-known/ssf-configuration`)).json();
  const token = await getAccessToken();
  const config = delivery === 'push'
    ? { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: pushUrl, authorization_header: `Bearer ${pushSecret}` } }
    : { delivery: { method: 'urn:ietf:rfc:8936' } };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  // Reuse this API's stream from an earlier run (same delivery, same push URL): a process that was
  // killed did not delete it, and the transmitter caps the streams per receiver.
  const existing = await (await fetch(metadata.configuration_endpoint, { headers })).json();
  const previous = Array.isArray(existing)
    ? existing.find((s) => s.delivery?.method === config.delivery.method && (delivery === 'poll' || s.delivery?.endpoint_url === pushUrl))
    : undefined;
  const res = await fetch(metadata.configuration_endpoint, {
    method: previous === undefined ? 'POST' : 'PUT',
    headers,
    body: JSON.stringify({ ...(previous === undefined ? {} : { stream_id: previous.stream_id }), ...config, description: 'example protected API' }),
  });
  const stream = await res.json();
  if (res.status !== (previous === undefined ? 201 : 200)) throw new Error(`SSF stream: ${res.status} ${JSON.stringify(stream)}`);
  log({ event: 'ssf_stream', streamId: stream.stream_id, delivery, aud: stream.aud });
  // Anything revoked before this guard started (or while it was down) is in the feed.
  const caught = await guard.ssf.catchUp();
  log({ event: 'ssf_caught_up', ...caught });
  const poller = delivery === 'poll' ? guard.ssf.startPolling({ endpoint: stream.delivery.endpoint_url, getAccessToken }) : undefined;
  return {
    streamId: stream.stream_id,
    async stop() {
      await poller?.stop();
      await fetch(`${metadata.configuration_endpoint}?stream_id=${encodeURIComponent(stream.stream_id)}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${await getAccessToken()}` },
      }).catch(() => undefined);
    },
  };
}

export const newPushSecret = () => randomBytes(32).toString('base64url');
