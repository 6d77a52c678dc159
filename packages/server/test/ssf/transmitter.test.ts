import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEVICE_COMPLIANCE_CHANGE, POLL, PUSH, SESSION_REVOKED, VERIFICATION } from '../../src/ssf/index.js';
import { ISSUER, JWT_API } from '../helpers.js';
import { ssfSetup, type SsfFixture } from './fixture.js';

type Json = Record<string, unknown>;

describe('SSF transmitter: metadata and stream management (OpenID SSF 1.0 §7, §8.1)', () => {
  let f: SsfFixture;
  beforeEach(async () => {
    f = await ssfSetup();
  });
  afterEach(async () => f.close());

  it('SSF 1.0 §7.2: /.well-known/ssf-configuration lists the endpoints, both delivery methods and the JWKS', async () => {
    const res = await f.call('GET', '/.well-known/ssf-configuration', null);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      spec_version: '1_0',
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/jwks.json`,
      delivery_methods_supported: ['urn:ietf:rfc:8935', 'urn:ietf:rfc:8936'],
      configuration_endpoint: `${ISSUER}/ssf/streams`,
      status_endpoint: `${ISSUER}/ssf/status`,
      verification_endpoint: `${ISSUER}/ssf/verify`,
      authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
      default_subjects: 'ALL',
    });
  });

  it('RFC 6750 §3.1: stream management without a token is 401 with a Bearer challenge', async () => {
    const res = await f.call('POST', '/ssf/streams', null, {});
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="ssf"');
    expect(res.json).toEqual({}); // no error code or other error information
  });

  it('RFC 6750 §3.1: a malformed Authorization header is 400 invalid_request, in the body and the challenge', async () => {
    const res = await f.call('GET', '/ssf/streams', 'two words');
    expect([res.status, (res.json as Json).error]).toEqual([400, 'invalid_request']);
    expect(res.headers['www-authenticate']).toContain('error="invalid_request"');
  });

  it('RFC 6750 §3.1: a token of this server for another audience is invalid_token', async () => {
    const token = await f.tessera.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: f.basic(f.client.id, f.client.secret) },
      payload: `grant_type=client_credentials&resource=${encodeURIComponent(JWT_API)}`,
    });
    const res = await f.call('GET', '/ssf/streams', (token.json() as Json).access_token as string);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('RFC 6750 §3.1: a forged or garbage token is invalid_token, a revoked one too', async () => {
    expect((await f.call('GET', '/ssf/streams', 'eyJhbGciOiJub25lIn0.e30.x')).status).toBe(401);
    await f.tessera.app.inject({
      method: 'POST',
      url: '/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: f.basic(f.receiver.id, f.receiver.secret) },
      payload: `token=${f.receiver.token}`,
    });
    expect((await f.call('GET', '/ssf/streams', f.receiver.token)).status).toBe(401);
  });

  it('SSF 1.0 §8.1.1.1: creating a poll stream answers 201 with transmitter-supplied members; aud is the receiver', async () => {
    const res = await f.call('POST', '/ssf/streams', f.receiver.token, { delivery: { method: POLL }, events_requested: [DEVICE_COMPLIANCE_CHANGE, 'urn:unknown'], description: 'guard' });
    expect(res.status).toBe(201);
    const stream = res.json as Json;
    expect(stream).toMatchObject({
      iss: ISSUER,
      aud: f.receiver.id,
      delivery: { method: POLL, endpoint_url: `${ISSUER}/ssf/poll/${stream.stream_id as string}` },
      events_requested: [DEVICE_COMPLIANCE_CHANGE, 'urn:unknown'],
      events_delivered: [DEVICE_COMPLIANCE_CHANGE],
      description: 'guard',
    });
    expect(stream.events_supported).toEqual([DEVICE_COMPLIANCE_CHANGE, SESSION_REVOKED]);
  });

  it('SSF 1.0 §8.1.1: read, list, update (PATCH), replace (PUT) and delete (204) a stream', async () => {
    const created = (await f.call('POST', '/ssf/streams', f.receiver.token, { delivery: { method: POLL } })).json as Json;
    const id = created.stream_id as string;
    expect((await f.call('GET', `/ssf/streams?stream_id=${id}`, f.receiver.token)).json).toEqual(created);
    expect((await f.call('GET', '/ssf/streams', f.receiver.token)).json).toEqual([created]);

    const patched = await f.call('PATCH', '/ssf/streams', f.receiver.token, { stream_id: id, events_requested: [SESSION_REVOKED] });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ events_delivered: [SESSION_REVOKED], delivery: { method: POLL } });

    const replaced = await f.call('PUT', '/ssf/streams', f.receiver.token, { stream_id: id, delivery: { method: PUSH, endpoint_url: 'https://guard.example.com/ssf', authorization_header: 'Bearer s3cret' } });
    expect(replaced.status).toBe(200);
    expect(replaced.json).toMatchObject({ delivery: { method: PUSH, endpoint_url: 'https://guard.example.com/ssf' }, events_delivered: [DEVICE_COMPLIANCE_CHANGE, SESSION_REVOKED] });
    expect(JSON.stringify(replaced.json)).not.toContain('s3cret');

    expect((await f.call('DELETE', `/ssf/streams?stream_id=${id}`, f.receiver.token)).status).toBe(204);
    expect((await f.call('GET', `/ssf/streams?stream_id=${id}`, f.receiver.token)).status).toBe(404);
  });

  it('a receiver cannot see, change, verify, poll or delete another receiver\'s stream (404)', async () => {
    const id = ((await f.call('POST', '/ssf/streams', f.receiver.token, {})).json as Json).stream_id as string;
    const t = f.stranger.token;
    expect((await f.call('GET', `/ssf/streams?stream_id=${id}`, t)).status).toBe(404);
    expect((await f.call('GET', '/ssf/streams', t)).json).toEqual([]);
    expect((await f.call('PATCH', '/ssf/streams', t, { stream_id: id, description: 'x' })).status).toBe(404);
    expect((await f.call('POST', '/ssf/status', t, { stream_id: id, status: 'disabled' })).status).toBe(404);
    expect((await f.call('POST', '/ssf/verify', t, { stream_id: id })).status).toBe(404);
    expect((await f.call('POST', `/ssf/poll/${id}`, t, { returnImmediately: true })).status).toBe(404);
    expect((await f.call('DELETE', `/ssf/streams?stream_id=${id}`, t)).status).toBe(404);
  });

  it('SSF 1.0 §8.1.1.1: a receiver gets 409 beyond 10 streams (each event is signed and queued per stream)', async () => {
    for (let i = 0; i < 10; i++) expect((await f.call('POST', '/ssf/streams', f.receiver.token, {})).status).toBe(201);
    const refused = await f.call('POST', '/ssf/streams', f.receiver.token, {});
    expect(refused.status).toBe(409);
    expect((refused.json as Json).error).toBe('invalid_request');
    expect((await f.call('POST', '/ssf/streams', f.stranger.token, {})).status).toBe(201);
  });

  it('bad stream configurations are invalid_request, never 500', async () => {
    const bad: unknown[] = [
      { delivery: { method: PUSH } },
      { delivery: { method: PUSH, endpoint_url: 'ftp://x.example' } },
      { delivery: { method: PUSH, endpoint_url: 'http://guard.example.com/ssf' } },
      { delivery: { method: PUSH, endpoint_url: 'https://user:pw@x.example/' } },
      { delivery: { method: 'urn:example:carrier-pigeon' } },
      { events_requested: 'all' },
      [],
    ];
    for (const body of bad) {
      const res = await f.call('POST', '/ssf/streams', f.receiver.token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((res.json as Json).error).toBe('invalid_request');
    }
    const raw = await f.tessera.app.inject({ method: 'POST', url: '/ssf/streams', headers: { authorization: `Bearer ${f.receiver.token}`, 'content-type': 'application/json' }, payload: '{nope' });
    expect(raw.statusCode).toBe(400);
  });
});

describe('SSF delivery: poll (RFC 8936), verification (SSF 1.0 §8.1.4), status (§8.1.2)', () => {
  let f: SsfFixture;
  let id: string;
  beforeEach(async () => {
    f = await ssfSetup();
    id = ((await f.call('POST', '/ssf/streams', f.receiver.token, { delivery: { method: POLL } })).json as Json).stream_id as string;
  });
  afterEach(async () => f.close());

  const poll = (body: Json) => f.call('POST', `/ssf/poll/${id}`, f.receiver.token, body);

  it('SSF 1.0 §8.1.4: a verification request queues a verification SET with the state; it verifies with jose against our JWKS with typ secevent+jwt', async () => {
    expect((await f.call('POST', '/ssf/verify', f.receiver.token, { stream_id: id, state: 'abc123' })).status).toBe(204);
    const res = await poll({ returnImmediately: true });
    const { sets, moreAvailable } = res.json as { sets: Record<string, string>; moreAvailable: boolean };
    expect(moreAvailable).toBe(false);
    const [[jti, set]] = Object.entries(sets) as [[string, string]];
    const { payload, protectedHeader } = await f.verifySet(set, f.receiver.id);
    expect(protectedHeader.typ).toBe('secevent+jwt');
    expect(payload).toMatchObject({ iss: ISSUER, aud: f.receiver.id, jti, sub_id: { format: 'opaque', id }, events: { [VERIFICATION]: { state: 'abc123' } } });
    expect(typeof payload.iat).toBe('number');
  });

  it('RFC 8417 §2.3: a SET is refused where an access token is expected (typ secevent+jwt is not at+jwt)', async () => {
    await f.call('POST', '/ssf/verify', f.receiver.token, { stream_id: id });
    const set = Object.values(((await poll({ returnImmediately: true })).json as { sets: Record<string, string> }).sets)[0]!;
    expect((await f.call('GET', '/ssf/streams', set)).status).toBe(401);
    await expect(f.verifySet(set, 'someone-else')).rejects.toThrow();
  });

  it('RFC 8936 §2.4: acknowledged SETs are not returned again; unacknowledged ones are', async () => {
    await f.call('POST', '/ssf/verify', f.receiver.token, { stream_id: id, state: 'one' });
    const first = (await poll({ returnImmediately: true })).json as { sets: Record<string, string> };
    const jti = Object.keys(first.sets)[0]!;
    expect(Object.keys(((await poll({ returnImmediately: true })).json as { sets: object }).sets)).toEqual([jti]);
    const acked = (await poll({ ack: [jti], returnImmediately: true })).json as { sets: object };
    expect(acked.sets).toEqual({});
  });

  it('RFC 8936 §2.4: maxEvents limits the batch and moreAvailable says there is more; setErrs counts as handled', async () => {
    for (const state of ['a', 'b', 'c']) {
      f.clock.advance(60);
      await f.call('POST', '/ssf/verify', f.receiver.token, { stream_id: id, state });
    }
    const page = (await poll({ maxEvents: 2, returnImmediately: true })).json as { sets: Record<string, string>; moreAvailable: boolean };
    expect(Object.keys(page.sets)).toHaveLength(2);
    expect(page.moreAvailable).toBe(true);
    const [a, b] = Object.keys(page.sets);
    const rest = (await poll({ ack: [a], setErrs: { [b!]: { err: 'invalid_key', description: 'test' } }, returnImmediately: true })).json as { sets: object; moreAvailable: boolean };
    expect(Object.keys(rest.sets)).toHaveLength(1);
    expect(rest.moreAvailable).toBe(false);
  });

  it('RFC 8936 §2.4: a long poll is woken as soon as an event is queued for the stream', async () => {
    const pending = poll({ returnImmediately: false });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(f.tessera.deviceTrust.ssf!.waiters.size).toBe(1);
    await f.tessera.events.emit('device.compliance_changed', { deviceId: 'd1', userId: 'u1', previous: 'compliant', current: 'not-compliant', reasons: ['disk_not_encrypted'], at: new Date(f.clock.now()) });
    const { sets } = (await pending).json as { sets: Record<string, string> };
    const [set] = Object.values(sets);
    const { payload } = await f.verifySet(set!, f.receiver.id);
    expect(payload.sub_id).toEqual({ format: 'complex', device: { format: 'opaque', id: 'd1' }, user: { format: 'opaque', id: 'u1' } });
    expect(payload.events).toEqual({
      [DEVICE_COMPLIANCE_CHANGE]: {
        current_status: 'not-compliant',
        previous_status: 'compliant',
        event_timestamp: Math.floor(f.clock.now() / 1000),
        initiating_entity: 'policy',
        reason_admin: { en: 'disk_not_encrypted' },
      },
    });
  });

  it('closing the server releases a parked long poll (answered empty) instead of waiting out pollTimeout', async () => {
    const pending = poll({ returnImmediately: false });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(f.tessera.deviceTrust.ssf!.waiters.size).toBe(1);
    await f.tessera.close();
    expect((await pending).json).toEqual({ sets: {}, moreAvailable: false });
  });

  it('CAEP: a disabled user is one session-revoked for the user alone; a deleted device is a change to not-compliant (device_deleted)', async () => {
    const at = new Date(f.clock.now());
    await f.tessera.events.emit('user.disabled', { userId: 'u7', sids: ['s1', 's2'], at });
    await f.tessera.events.emit('device.deleted', { deviceId: 'd7', userId: 'u7', at });
    const { sets } = (await poll({ returnImmediately: true })).json as { sets: Record<string, string> };
    const payloads = await Promise.all(Object.values(sets).map(async (set) => (await f.verifySet(set, f.receiver.id)).payload));
    const byType = Object.fromEntries(payloads.map((p) => [Object.keys(p.events as object)[0], p]));
    expect(byType[SESSION_REVOKED]).toMatchObject({
      sub_id: { format: 'complex', user: { format: 'opaque', id: 'u7' } },
      events: { [SESSION_REVOKED]: { event_timestamp: Math.floor(at.getTime() / 1000), initiating_entity: 'admin', reason_admin: { en: 'user_disabled' } } },
    });
    expect(byType[DEVICE_COMPLIANCE_CHANGE]).toMatchObject({
      sub_id: { format: 'complex', device: { format: 'opaque', id: 'd7' }, user: { format: 'opaque', id: 'u7' } },
      events: { [DEVICE_COMPLIANCE_CHANGE]: { current_status: 'not-compliant', previous_status: 'compliant', reason_admin: { en: 'device_deleted' } } },
    });
  });

  it('bad poll requests are invalid_request', async () => {
    for (const body of [{ maxEvents: -1 }, { maxEvents: 1.5 }, { returnImmediately: 'yes' }, { ack: 'x' }, { setErrs: { j: 'bad' } }]) {
      expect((await poll(body)).status, JSON.stringify(body)).toBe(400);
    }
  });

  it('SSF 1.0 §8.1.2: a paused stream holds its events and releases them when enabled; a disabled one gets none', async () => {
    expect((await f.call('POST', '/ssf/status', f.receiver.token, { stream_id: id, status: 'paused', reason: 'maintenance' })).json).toEqual({ stream_id: id, status: 'paused', reason: 'maintenance' });
    expect((await f.call('GET', `/ssf/status?stream_id=${id}`, f.receiver.token)).json).toMatchObject({ status: 'paused' });
    await f.tessera.events.emit('session.revoked', { sid: 's1', userId: 'u1', at: new Date(f.clock.now()), reason: 'logout' });
    expect(((await poll({ returnImmediately: true })).json as { sets: object }).sets).toEqual({});
    await f.call('POST', '/ssf/status', f.receiver.token, { stream_id: id, status: 'enabled' });
    expect(Object.keys(((await poll({ returnImmediately: true })).json as { sets: object }).sets)).toHaveLength(1);

    await f.call('POST', '/ssf/status', f.receiver.token, { stream_id: id, status: 'disabled' });
    await f.tessera.events.emit('session.revoked', { sid: 's2', userId: 'u1', at: new Date(f.clock.now()), reason: 'logout' });
    await f.call('POST', '/ssf/status', f.receiver.token, { stream_id: id, status: 'enabled' });
    const after = (await poll({ returnImmediately: true })).json as { sets: Record<string, string> };
    // Only the s1 event (never acknowledged) is there; s2 went nowhere while disabled.
    expect(Object.keys(after.sets)).toHaveLength(1);
    expect(((await f.call('POST', '/ssf/status', f.receiver.token, { stream_id: id, status: 'asleep' })).json as Json).error).toBe('invalid_request');
  });

  it('verification requests closer than min_verification_interval get 429 with Retry-After', async () => {
    expect((await f.call('POST', '/ssf/verify', f.receiver.token, { stream_id: id })).status).toBe(204);
    const again = await f.call('POST', '/ssf/verify', f.receiver.token, { stream_id: id });
    expect(again.status).toBe(429);
    expect(again.headers['retry-after']).toBe('10');
    f.clock.advance(10);
    expect((await f.call('POST', '/ssf/verify', f.receiver.token, { stream_id: id })).status).toBe(204);
  });
});

describe('SSF delivery: push (RFC 8935) to a real listening receiver', () => {
  let f: SsfFixture;
  let server: Server;
  let url: string;
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  let answer = 202;
  let arrived: () => void = () => undefined;

  beforeEach(async () => {
    received.length = 0;
    answer = 202;
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.statusCode = answer;
        res.end(answer === 202 ? '' : JSON.stringify({ err: 'invalid_request', description: 'not now' }));
        arrived();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
    f = await ssfSetup();
  });
  afterEach(async () => {
    await f.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const next = () => new Promise<void>((resolve) => (arrived = resolve));

  it('RFC 8935 §2: a SET is POSTed as application/secevent+jwt with the stream\'s Authorization header, right after the event', async () => {
    await f.call('POST', '/ssf/streams', f.receiver.token, { delivery: { method: PUSH, endpoint_url: url, authorization_header: 'Bearer receiver-secret' } });
    const got = next();
    await f.tessera.events.emit('device.compliance_changed', { deviceId: 'd9', userId: null, previous: 'compliant', current: 'not-compliant', reasons: ['jailbroken'], at: new Date(f.clock.now()) });
    await got;
    expect(received).toHaveLength(1);
    expect(received[0]!.headers['content-type']).toBe('application/secevent+jwt');
    expect(received[0]!.headers.authorization).toBe('Bearer receiver-secret');
    const { payload } = await f.verifySet(received[0]!.body, f.receiver.id);
    expect(payload.sub_id).toEqual({ format: 'complex', device: { format: 'opaque', id: 'd9' } });
    await f.tessera.deviceTrust.ssf!.push.idle();
    expect(f.logs.text()).not.toContain('receiver-secret');
  });

  it('RFC 8935 §2.3: a refused push is retried with backoff from the outbox until the receiver answers 202', async () => {
    await f.call('POST', '/ssf/streams', f.receiver.token, { delivery: { method: PUSH, endpoint_url: url } });
    answer = 400;
    let got = next();
    await f.tessera.events.emit('session.revoked', { sid: 's1', userId: 'u1', at: new Date(f.clock.now()), reason: 'logout' });
    await got;
    const push = f.tessera.deviceTrust.ssf!.push;
    await push.idle();
    // Not due yet: nothing is sent again before the backoff has passed.
    push.kick();
    await push.idle();
    expect(received).toHaveLength(1);
    answer = 202;
    f.clock.advance(2);
    got = next();
    push.kick();
    await got;
    await push.idle();
    expect(received).toHaveLength(2);
    expect(received[1]!.body).toBe(received[0]!.body);
    f.clock.advance(3600);
    push.kick();
    await push.idle();
    expect(received).toHaveLength(2);
  });
});

describe('catch-up feed for receivers that missed events', () => {
  let f: SsfFixture;
  beforeEach(async () => {
    f = await ssfSetup();
  });
  afterEach(async () => f.close());

  it('lists cut-offs and revoked jtis since a cursor; requires the SSF token', async () => {
    expect((await f.call('GET', '/ssf/feed?since=0', null)).status).toBe(401);
    const since = f.clock.now();
    await f.tessera.events.emit('device.compliance_changed', { deviceId: 'd1', userId: 'u1', previous: 'compliant', current: 'not-compliant', reasons: ['disk_not_encrypted'], at: new Date(since) });
    const res = await f.call('GET', `/ssf/feed?since=${since}`, f.receiver.token);
    expect(res.status).toBe(200);
    const feed = res.json as { cutoffs: Json[]; revoked: Json[]; next: string; more: boolean };
    expect(feed.cutoffs).toEqual([{ kind: 'device', id: 'd1', at: Math.floor(since / 1000), expires_at: Math.floor(since / 1000) + 86_400 }]);
    expect(feed.next).toBe(String(since));
    expect(feed.more).toBe(false);
    expect((await f.call('GET', '/ssf/feed?since=abc', f.receiver.token)).status).toBe(400);
    expect((await f.call('GET', '/ssf/feed?limit=0', f.receiver.token)).status).toBe(400);
  });
});

