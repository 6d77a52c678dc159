import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGuard, GuardError, type Guard, type GuardOptions } from '../src/index.js';
import type { FetchLike } from '../src/http.js';
import { accessClaims, AUDIENCE, bearer, clock, FakeAs, ISSUER, makeKey, NOW, NOW_S, signToken, type TestKey } from './helpers.js';

const DEVICE_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/device-compliance-change';
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const SET_TYPE = 'application/secevent+jwt';

let key: TestKey;
let stranger: TestKey;
beforeAll(async () => {
  key = await makeKey('k1', 'ES256');
  stranger = await makeKey('k1', 'ES256');
});

let counter = 0;
async function set(
  event: Record<string, unknown>,
  { typ = 'secevent+jwt', iss = ISSUER, aud = AUDIENCE, signer = key, jti = `set-${++counter}`, subject }: { typ?: string; iss?: string; aud?: string; signer?: TestKey; jti?: string; subject?: unknown } = {},
): Promise<string> {
  const [type, payload] = Object.entries(event)[0]!;
  return new SignJWT({ iss, aud, iat: NOW_S, jti, sub_id: subject ?? { format: 'complex', device: { format: 'opaque', id: 'dev-1' } }, events: { [type]: payload } })
    .setProtectedHeader({ alg: 'ES256', kid: signer.kid, typ })
    .sign(signer.privateKey);
}
const notCompliant = (at = NOW_S - 5) => ({ [DEVICE_CHANGE]: { current_status: 'not-compliant', previous_status: 'compliant', event_timestamp: at } });

function guardWith(options: Partial<GuardOptions> = {}, events: string[] = []): Guard {
  return createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: new FakeAs([key]).fetch, now: () => NOW, onEvent: (e) => events.push(e), ...options });
}

async function refusal(promise: Promise<unknown>): Promise<GuardError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GuardError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('SSF push receiver (RFC 8935) feeding the deny list', () => {
  it('CAEP device-compliance-change to not-compliant: 202, then tokens of that device issued before the event are refused, later ones pass', async () => {
    const guard = guardWith();
    const before = await signToken(key, accessClaims({ device_id: 'dev-1', iat: NOW_S - 10 }));
    const after = await signToken(key, accessClaims({ device_id: 'dev-1', iat: NOW_S - 1, jti: 'later' }));
    const other = await signToken(key, accessClaims({ device_id: 'dev-2', iat: NOW_S - 10, jti: 'other' }));
    expect((await guard.verify(bearer(before))).deviceId).toBe('dev-1');
    expect(await guard.ssf.handlePush(await set(notCompliant(NOW_S - 5)), SET_TYPE)).toEqual({ status: 202, headers: {} });
    expect((await refusal(guard.verify(bearer(before)))).reason).toBe('device denied');
    expect((await guard.verify(bearer(after))).subject).toBe('user-1');
    expect((await guard.verify(bearer(other))).deviceId).toBe('dev-2');
  });

  it('CAEP device-compliance-change back to compliant does not lift a denial (revoked tokens stay revoked)', async () => {
    const guard = guardWith();
    const token = await signToken(key, accessClaims({ device_id: 'dev-1' }));
    await guard.ssf.handlePush(await set(notCompliant()), SET_TYPE);
    await guard.ssf.handlePush(await set({ [DEVICE_CHANGE]: { current_status: 'compliant', previous_status: 'not-compliant', event_timestamp: NOW_S } }), SET_TYPE);
    expect((await refusal(guard.verify(bearer(token)))).code).toBe('invalid_token');
  });

  it('CAEP session-revoked: a session subject denies its sid, a user-only subject denies the user', async () => {
    const guard = guardWith();
    const inSession = await signToken(key, accessClaims({ sid: 'sess-1', sub: 'alice', jti: 'a' }));
    const bobs = await signToken(key, accessClaims({ sub: 'bob', jti: 'b' }));
    const carols = await signToken(key, accessClaims({ sub: 'carol', jti: 'c' }));
    const session = { [SESSION_REVOKED]: { event_timestamp: NOW_S } };
    await guard.ssf.handlePush(await set(session, { subject: { format: 'complex', session: { format: 'opaque', id: 'sess-1' }, user: { format: 'opaque', id: 'alice' } } }), SET_TYPE);
    await guard.ssf.handlePush(await set(session, { subject: { format: 'complex', user: { format: 'opaque', id: 'bob' } } }), SET_TYPE);
    expect((await refusal(guard.verify(bearer(inSession)))).reason).toBe('session denied');
    expect((await refusal(guard.verify(bearer(bobs)))).reason).toBe('subject denied');
    expect((await guard.verify(bearer(carols))).subject).toBe('carol');
  });

  const refusals: [string, () => Promise<[string, string | undefined]>, string][] = [
    ['RFC 8935 §2.3: a SET signed by a key not in the transmitter JWKS is invalid_key', async () => [await set(notCompliant(), { signer: stranger }), SET_TYPE], 'invalid_key'],
    ['RFC 8935 §2.3: a SET for another receiver (aud) is invalid_audience', async () => [await set(notCompliant(), { aud: 'https://other-api.example.com' }), SET_TYPE], 'invalid_audience'],
    ['RFC 8935 §2.3: a SET from another issuer is invalid_issuer', async () => [await set(notCompliant(), { iss: 'https://evil.example.com' }), SET_TYPE], 'invalid_issuer'],
    ['RFC 8417 §2.3: a JWT whose typ is not secevent+jwt (an access token) is invalid_request', async () => [await set(notCompliant(), { typ: 'at+jwt' }), SET_TYPE], 'invalid_request'],
    ['RFC 8935 §2: a body not sent as application/secevent+jwt is invalid_request', async () => [await set(notCompliant()), 'application/json'], 'invalid_request'],
    ['RFC 8935 §2.3: a body that is not a JWT is invalid_request', async () => ['not a jwt', SET_TYPE], 'invalid_request'],
    ['RFC 8725 §3.1: an unsigned SET (alg none) is invalid_key', async () => {
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'secevent+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, iat: NOW_S, jti: 'n', events: notCompliant() })).toString('base64url')}.`;
      return [unsigned, SET_TYPE];
    }, 'invalid_key'],
  ];
  for (const [name, build, err] of refusals) {
    it(name, async () => {
      const guard = guardWith();
      const token = await signToken(key, accessClaims({ device_id: 'dev-1' }));
      const [body, type] = await build();
      const response = await guard.ssf.handlePush(body, type);
      expect([response.status, response.body?.err]).toEqual([400, err]);
      expect((await guard.verify(bearer(token))).deviceId).toBe('dev-1'); // nothing was applied
    });
  }

  it('a pushed SET that cannot be checked because the transmitter JWKS is unreachable gets 503, so it is pushed again', async () => {
    const as = new FakeAs([key]);
    as.down = true;
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: () => NOW });
    const response = await guard.ssf.handlePush(await set(notCompliant()), SET_TYPE);
    expect([response.status, response.body?.err]).toEqual([503, 'invalid_key']);
  });

  it('RFC 8417 §2.2: a replayed SET (same jti) is accepted idempotently and not applied again', async () => {
    const events: string[] = [];
    const guard = guardWith({}, events);
    const once = await set(notCompliant(), { jti: 'dup-1' });
    expect((await guard.ssf.handlePush(once, SET_TYPE)).status).toBe(202);
    expect((await guard.ssf.handlePush(once, SET_TYPE)).status).toBe(202);
    expect(events.filter((e) => e === 'ssf_event')).toHaveLength(1);
    expect(events.filter((e) => e === 'ssf_duplicate')).toHaveLength(1);
  });
});

/** A fake transmitter's poll endpoint: answers queued responses in order, records request bodies, then long-polls until aborted. */
function pollTransmitter(answers: { sets: Record<string, string> }[]) {
  const as = new FakeAs();
  const requests: { authorization: string | undefined; body: Record<string, unknown> }[] = [];
  const fetch: FetchLike = async (url, init) => {
    if (url !== `${ISSUER}/ssf/poll/stream-1`) return as.fetch(url, init);
    requests.push({ authorization: init?.headers?.authorization, body: JSON.parse(init?.body ?? '{}') });
    const answer = answers.shift();
    if (answer === undefined) {
      await new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    }
    const text = JSON.stringify({ ...answer, moreAvailable: false });
    return { status: 200, headers: { get: () => null }, text: async () => text };
  };
  return { as, fetch, requests };
}

describe('SSF poll receiver (RFC 8936)', () => {
  it('RFC 8936 §2.4: long-polls, applies SETs, acknowledges the good ones and reports bad ones in setErrs', async () => {
    const good = await set(notCompliant(), { jti: 'p-good' });
    const bad = await set(notCompliant(), { jti: 'p-bad', aud: 'https://other.example.com' });
    const t = pollTransmitter([{ sets: { 'p-good': good, 'p-bad': bad } }]);
    t.as.jwks = { keys: [key.jwk] };
    const guard = guardWith({ fetch: t.fetch });
    const token = await signToken(key, accessClaims({ device_id: 'dev-1' }));
    const poller = guard.ssf.startPolling({ endpoint: `${ISSUER}/ssf/poll/stream-1`, getAccessToken: async () => 'rs-token' });
    await expect.poll(() => t.requests.length).toBe(2);
    await poller.stop();
    expect(t.requests[0]).toEqual({ authorization: 'Bearer rs-token', body: { maxEvents: 100, returnImmediately: false, ack: [], setErrs: {} } });
    expect(t.requests[1]!.body).toMatchObject({ returnImmediately: false, ack: ['p-good'], setErrs: { 'p-bad': { err: 'invalid_audience' } } });
    expect((await refusal(guard.verify(bearer(token)))).reason).toBe('device denied');
  });
});

describe('missed events: stream health and catch-up (issue 5 §6)', () => {
  function feedServer(pages: Record<string, unknown>[]) {
    const as = new FakeAs([key]);
    const seen: string[] = [];
    const fetch: FetchLike = async (url, init) => {
      if (!url.startsWith(`${ISSUER}/ssf/feed`)) return as.fetch(url, init);
      seen.push(url);
      const page = pages.shift() ?? { cutoffs: [], revoked: [], next: '0', more: false };
      const text = JSON.stringify(page);
      return { status: 200, headers: { get: () => null }, text: async () => text };
    };
    return { as, fetch, seen };
  }

  it('a guard that has never heard from its stream refuses JWTs with 503 (onStale refuse) until it caught up', async () => {
    const feed = feedServer([{ cutoffs: [], revoked: [], next: '5', more: false }]);
    const c = clock();
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: feed.fetch, now: c.now, ssf: { maxStaleness: 60, getAccessToken: async () => 't' } });
    const token = await signToken(key);
    const stale = await refusal(guard.verify(bearer(token)));
    expect([stale.status, stale.code, stale.reason]).toEqual([503, 'temporarily_unavailable', 'ssf stream stale: revocations may have been missed']);
    await guard.ssf.catchUp();
    expect((await guard.verify(bearer(token))).subject).toBe('user-1');
    c.ms += 61_000; // no contact for longer than maxStaleness
    expect(guard.ssf.health.stale).toBe(true);
    expect((await refusal(guard.verify(bearer(token)))).status).toBe(503);
  });

  it('a stale guard heals itself: the refused request starts a background catch-up, and once it lands JWTs pass again', async () => {
    const feed = feedServer([]);
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: feed.fetch, now: () => NOW, ssf: { maxStaleness: 60, getAccessToken: async () => 't' } });
    const token = await signToken(key);
    expect((await refusal(guard.verify(bearer(token)))).status).toBe(503);
    await expect.poll(() => guard.ssf.health.stale).toBe(false);
    expect(feed.seen).toHaveLength(1);
    expect((await guard.verify(bearer(token))).subject).toBe('user-1');
  });

  it('catch-up applies cut-offs (device, session, subject at an instant) and revoked jtis from the feed, following its cursor', async () => {
    const feed = feedServer([
      { cutoffs: [{ kind: 'device', id: 'dev-9', at: NOW_S - 5, expires_at: NOW_S + 3600 }], revoked: [], next: '1000', more: true },
      { cutoffs: [{ kind: 'session', id: 'sess-9', at: NOW_S - 5, expires_at: NOW_S + 3600 }], revoked: [{ jti: 'revoked-jti', revoked_at: NOW_S - 1, expires_at: NOW_S + 300 }], next: '2000', more: false },
    ]);
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: feed.fetch, now: () => NOW, ssf: { maxStaleness: 60, getAccessToken: async () => 't' } });
    expect(await guard.ssf.catchUp()).toEqual({ cutoffs: 2, revoked: 1 });
    expect(feed.seen).toEqual([`${ISSUER}/ssf/feed?since=0&limit=500`, `${ISSUER}/ssf/feed?since=1000&limit=500`]);
    const device = await signToken(key, accessClaims({ device_id: 'dev-9', iat: NOW_S - 60, jti: 'd' }));
    const session = await signToken(key, accessClaims({ sid: 'sess-9', iat: NOW_S - 60, jti: 's' }));
    const revoked = await signToken(key, accessClaims({ jti: 'revoked-jti' }));
    const fresh = await signToken(key, accessClaims({ device_id: 'dev-9', iat: NOW_S, jti: 'f' }));
    expect((await refusal(guard.verify(bearer(device)))).reason).toBe('device denied');
    expect((await refusal(guard.verify(bearer(session)))).reason).toBe('session denied');
    expect((await refusal(guard.verify(bearer(revoked)))).reason).toBe('jti denied');
    expect((await guard.verify(bearer(fresh))).deviceId).toBe('dev-9');
    await guard.ssf.catchUp();
    expect(feed.seen[2]).toBe(`${ISSUER}/ssf/feed?since=2000&limit=500`);
  });

  it('with introspection, a stale stream sends JWTs to the server instead (onStale introspect): a revoked one is refused', async () => {
    const as = new FakeAs([key]);
    as.introspect = () => ({ body: { active: false } });
    const c = clock();
    const guard = createGuard({
      issuer: ISSUER, audience: AUDIENCE, fetch: as.fetch, now: c.now,
      introspection: { clientId: 'rs', clientSecret: 's' },
      ssf: { maxStaleness: 60 },
    });
    const token = await signToken(key);
    expect((await refusal(guard.verify(bearer(token)))).reason).toBe('introspection: inactive');
    expect(as.calls.introspection).toBe(1);
    // A verified SET is contact: the stream is healthy again and JWTs are validated locally.
    await guard.ssf.handlePush(await set({ 'https://schemas.openid.net/secevent/ssf/event-type/verification': { state: 'x' } }), SET_TYPE);
    expect(guard.ssf.health.stale).toBe(false);
    expect((await guard.verify(bearer(token))).subject).toBe('user-1');
    expect(as.calls.introspection).toBe(1);
  });

  it('an SSF stream-updated event to paused makes the stream stale (events will not come)', async () => {
    const feed = feedServer([]);
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch: feed.fetch, now: () => NOW, ssf: { maxStaleness: 60, getAccessToken: async () => 't' } });
    await guard.ssf.catchUp();
    expect(guard.ssf.health.stale).toBe(false);
    await guard.ssf.handlePush(await set({ 'https://schemas.openid.net/secevent/ssf/event-type/stream-updated': { status: 'paused' } }), SET_TYPE);
    expect(guard.ssf.health.stale).toBe(true);
  });

  it('SSF 1.0 §8.1.4: the heartbeat asks the transmitter\'s verification_endpoint (from its configuration, issuer checked) for a verification event', async () => {
    const as = new FakeAs([key]);
    const posts: { authorization: string | undefined; body: Record<string, unknown> }[] = [];
    let configIssuer = ISSUER;
    const fetch: FetchLike = async (url, init) => {
      const reply = (status: number, body: string) => ({ status, headers: { get: () => null }, text: async () => body });
      if (url === `${ISSUER}/.well-known/ssf-configuration`) return reply(200, JSON.stringify({ issuer: configIssuer, verification_endpoint: `${ISSUER}/ssf/verify` }));
      if (url === `${ISSUER}/ssf/verify`) {
        posts.push({ authorization: init?.headers?.authorization, body: JSON.parse(init?.body ?? '{}') });
        return reply(204, '');
      }
      return as.fetch(url, init);
    };
    const events: string[] = [];
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch, now: () => NOW, onEvent: (e) => events.push(e), ssf: { getAccessToken: async () => 'rs-token' } });
    const heartbeat = guard.ssf.startHeartbeat({ streamId: 'stream-9', intervalMs: 60_000 });
    await expect.poll(() => posts.length).toBe(1);
    await heartbeat.stop();
    expect(posts[0]!.authorization).toBe('Bearer rs-token');
    expect(posts[0]!.body).toMatchObject({ stream_id: 'stream-9', state: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/) });
    configIssuer = 'https://impostor.example.com';
    const other = createGuard({ issuer: ISSUER, audience: AUDIENCE, fetch, now: () => NOW, ssf: { getAccessToken: async () => 'rs-token' } });
    await expect(other.ssf.requestVerification({ streamId: 'stream-9' })).rejects.toThrow(/another issuer/);
    expect(posts).toHaveLength(1);
  });

  it('options: onStale introspect without introspection credentials is refused at construction', () => {
    expect(() => createGuard({ issuer: ISSUER, audience: AUDIENCE, ssf: { onStale: 'introspect' } })).toThrow(TypeError);
    expect(() => createGuard({ issuer: ISSUER, audience: AUDIENCE, ssf: { feedUrl: 'http://evil.example.com/feed' } })).toThrow(/https/);
    expect(() => createGuard({ issuer: ISSUER, audience: AUDIENCE, ssf: { maxStaleness: -1 } })).toThrow(TypeError);
  });
});
