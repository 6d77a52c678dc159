import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isTokenError, validateClaims, verifyJwt, type SigningAlg, type TokenError, type VerificationKey } from '@tessera/token';
import type { Storage } from '@tessera/store';
import { TRANSMITTER_STATUS } from '../devices/compliance.js';
import type { DevicesConfig, SsfReceiverConfig } from '../devices/config.js';
import type { DeviceRegistry } from '../devices/registry.js';
import { readDeviceComplianceChange } from './caep.js';
import { createRemoteJwks, type RemoteJwks } from './jwks.js';
import { acceptOnlyMediaType, authenticationFailed, invalidSignal, SignalError } from './reply.js';

/** SETs are small; anything bigger is refused before it is read. */
export const SET_BODY_LIMIT = 64 * 1024;
/** Clock difference tolerated on a SET's `iat`, seconds. */
const CLOCK_TOLERANCE = 60;

export interface SsfReceiverOptions {
  config: Pick<DevicesConfig, 'ssfReceivers' | 'clockSkew'>;
  registry: DeviceRegistry;
  storage: Pick<Storage, 'devices' | 'replay'>;
  now: () => number;
  /** For tests: how the transmitters' JWKS are fetched. */
  fetch?: typeof fetch;
}

const fail = (err: SignalError['err'], description: string, reason: string) => new SignalError(400, err, description, reason);

/** RFC 8935 §2.3 code for a refused signature or claim. */
function refusal(error: TokenError): SignalError {
  switch (error.code) {
    case 'alg_not_allowed':
    case 'unknown_kid':
    case 'bad_signature':
    case 'forbidden_header':
    case 'crit_unsupported':
      return fail('invalid_key', 'the SET signature or its key is not acceptable', error.code);
    case 'wrong_issuer':
      return fail('invalid_issuer', 'the SET issuer is not the configured transmitter', error.code);
    case 'wrong_audience':
      return fail('invalid_audience', 'the SET audience does not include this receiver', error.code);
    case 'wrong_typ':
      return invalidSignal('the SET "typ" must be secevent+jwt', error.code);
    default:
      return invalidSignal(error.message, error.code);
  }
}

/** The header's `kid` and `alg`, read only to pick the key; `verifyJwt` checks the header properly. */
function keyHint(token: string): { kid: string | undefined; alg: unknown } {
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8')) as Record<string, unknown>;
    return { kid: typeof header.kid === 'string' ? header.kid : undefined, alg: header.alg };
  } catch {
    throw invalidSignal('the body is not a compact JWS', 'malformed');
  }
}

function checkAuthorization(request: FastifyRequest, receiver: SsfReceiverConfig): void {
  if (receiver.authorization === undefined) return;
  const given = request.headers.authorization;
  if (typeof given !== 'string') throw new SignalError(401, 'authentication_failed', undefined, 'missing_authorization');
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(receiver.authorization).digest();
  if (!timingSafeEqual(a, b)) throw authenticationFailed('bad_authorization');
}

/**
 * `POST /ssf/receive/:source` — RFC 8935 push delivery of CAEP `device-compliance-change` SETs from a
 * configured transmitter. The SET is verified as RFC 8417 / RFC 8725 require: `typ` secevent+jwt, an
 * allow-listed algorithm, a signature by a key of the transmitter's JWKS, exact `iss`, our audience in
 * `aud`, an `iat` neither too old nor in the future, and a `jti` seen once. The transmitter's verdict
 * becomes the device's posture, ordered by `event_timestamp` like any report, and is re-evaluated (a
 * flip is announced). Errors are RFC 8935 §2.3 JSON.
 */
export async function ssfReceiverPlugin(app: FastifyInstance, options: SsfReceiverOptions): Promise<void> {
  const jwks = new Map<string, RemoteJwks>();
  const jwksOf = (source: string, receiver: SsfReceiverConfig) => {
    let found = jwks.get(source);
    if (!found) {
      found = createRemoteJwks({
        url: receiver.jwksUri, algorithms: receiver.algorithms, ttlMs: receiver.jwksCacheTtl * 1000,
        cooldownMs: receiver.jwksRefetchCooldown * 1000, now: options.now, ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      jwks.set(source, found);
    }
    return found;
  };

  const requireSet = acceptOnlyMediaType(app, { kind: 'ssf', mediaType: 'application/secevent+jwt', parseAs: 'string', bodyLimit: SET_BODY_LIMIT });

  app.post<{ Params: { source: string } }>('/ssf/receive/:source', { bodyLimit: SET_BODY_LIMIT }, async (request, reply) => {
    const source = request.params.source;
    const receiver = Object.hasOwn(options.config.ssfReceivers, source) ? options.config.ssfReceivers[source] : undefined;
    if (!receiver) throw fail('invalid_issuer', 'no transmitter is configured for this endpoint', 'unknown_source');
    requireSet(request);
    checkAuthorization(request, receiver);
    const token = typeof request.body === 'string' ? request.body.trim() : '';

    // Step 1: signature, by a key of the configured transmitter, with an allowed algorithm.
    const hint = keyHint(token);
    if (typeof hint.alg !== 'string' || !(receiver.algorithms as readonly string[]).includes(hint.alg)) {
      throw fail('invalid_key', 'the SET algorithm is not accepted', 'alg_not_allowed');
    }
    const key: VerificationKey | undefined = await jwksOf(source, receiver).resolve(hint.kid, hint.alg as SigningAlg);
    if (!key) throw fail('invalid_key', 'the SET is signed by an unknown key', 'unknown_kid');
    let payload: Record<string, unknown>;
    try {
      payload = verifyJwt(token, { typ: 'secevent+jwt', getKey: () => key, maxLength: SET_BODY_LIMIT }).payload;
      // Step 2: claims (RFC 8417 §2.2: iss, iat, jti, aud; SETs carry no exp).
      validateClaims(payload, {
        issuer: receiver.issuer, audience: receiver.audience, now: Math.floor(options.now() / 1000),
        clockTolerance: CLOCK_TOLERANCE, required: ['iss', 'aud', 'iat', 'jti'], maxAge: receiver.maxAge, requireExp: false,
      });
    } catch (error) {
      if (isTokenError(error)) throw refusal(error);
      throw error;
    }
    const jti = payload.jti as string;
    if (jti.length === 0 || jti.length > 256) throw invalidSignal('"jti" must be 1 to 256 characters', 'bad_jti');
    const replayKey = `ssf-in:${source}:${createHash('sha256').update(jti).digest('base64url')}`;
    const markUntil = new Date(((payload.iat as number) + receiver.maxAge + CLOCK_TOLERANCE) * 1000);

    // Step 3: the event. Other event types (verification, session-revoked, …) are accepted and ignored.
    const change = readDeviceComplianceChange(payload);
    if (!change) {
      await options.storage.replay.use(replayKey, markUntil);
      return reply.code(202).header('cache-control', 'no-store').send();
    }
    if (change.at > options.now() + options.config.clockSkew * 1000) throw invalidSignal('event_timestamp is in the future', 'future_event');
    const device = await options.storage.devices.get(change.deviceId);
    if (!device) throw invalidSignal('unknown device', 'unknown_device');
    // A transmitter speaks only for the devices enrolled under its name, as a UEM webhook source does: a
    // second transmitter (or a compromised one) cannot vouch for devices someone else manages.
    if (device.uem !== source) throw fail('access_denied', 'the device is not managed by this transmitter', 'foreign_device');

    // Step 4: apply first (idempotent by the jti-derived event id inside the storage transaction), then
    // mark the jti: a failure in between leaves the SET unmarked, so the transmitter's retry applies it.
    const outcome = await options.registry.report(change.deviceId, {
      eventId: `set:${source}:${jti}`,
      source: `ssf:${source}`,
      reportedAt: new Date(change.at),
      signals: {
        [TRANSMITTER_STATUS]: change.current,
        ...(change.previous ? { previousStatus: change.previous } : {}),
        ...(change.reasonAdmin ? { reasonAdmin: change.reasonAdmin } : {}),
      },
    });
    const fresh = await options.storage.replay.use(replayKey, markUntil);
    request.log.info({ source, deviceId: change.deviceId, status: outcome.status, replay: !fresh, current: change.current }, 'caep device-compliance-change received');
    return reply.code(202).header('cache-control', 'no-store').send();
  });
}
