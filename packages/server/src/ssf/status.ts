import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SsfStreamRecord, SsfStreamStore } from '@tessera/store';
import { invalidRequest, OAuthError } from '../errors.js';
import type { AuthenticateReceiver } from './auth.js';
import { objectBody, queryParam, sendJson, streamNotFound } from './http.js';
import { ownedBy } from './streams.js';
import type { Transmitter } from './transmitter.js';
import { SSF_PATHS } from './vocabulary.js';

const STATUSES = new Set(['enabled', 'paused', 'disabled']);

function statusOf(stream: SsfStreamRecord) {
  return { stream_id: stream.id, status: stream.status, ...(stream.reason === null ? {} : { reason: stream.reason }) };
}

/**
 * SSF 1.0 §8.1.2 (status: GET reads, POST sets `enabled` | `paused` | `disabled` with an optional
 * reason) and §8.1.4 (verification: POST queues a verification event carrying the receiver's `state`,
 * 204). Verification requests closer together than `min_verification_interval` get 429.
 */
export function registerStatusRoutes(
  scope: FastifyInstance,
  deps: { streams: SsfStreamStore; authenticate: AuthenticateReceiver; transmitter: Transmitter; now: () => number; minVerificationInterval: number },
): void {
  const { streams, authenticate, transmitter, now, minVerificationInterval } = deps;
  const lastVerification = new Map<string, number>();

  async function owned(request: FastifyRequest, id: unknown): Promise<SsfStreamRecord> {
    const receiver = await authenticate(request);
    if (typeof id !== 'string' || id === '') throw invalidRequest('stream_id is required');
    const stream = await streams.get(id);
    if (!ownedBy(stream, receiver)) throw streamNotFound();
    return stream;
  }

  scope.get(SSF_PATHS.status, async (request, reply) => {
    const stream = await owned(request, queryParam(request.query, 'stream_id'));
    return sendJson(reply, 200, statusOf(stream));
  });

  scope.post(SSF_PATHS.status, async (request, reply) => {
    const body = objectBody(request.body);
    const stream = await owned(request, body.stream_id);
    if (typeof body.status !== 'string' || !STATUSES.has(body.status)) throw invalidRequest('status must be "enabled", "paused" or "disabled"');
    if (body.reason !== undefined && (typeof body.reason !== 'string' || body.reason.length > 512)) throw invalidRequest('reason must be a short string');
    const next: SsfStreamRecord = {
      ...stream,
      status: body.status as SsfStreamRecord['status'],
      reason: typeof body.reason === 'string' ? body.reason : null,
      updatedAt: new Date(now()),
    };
    if (!(await streams.update(next))) throw streamNotFound();
    request.log.info({ streamId: next.id, status: next.status }, 'SSF stream status changed');
    // Events held while paused go out as soon as the stream is enabled again.
    transmitter.wake(next);
    return sendJson(reply, 200, statusOf(next));
  });

  scope.post(SSF_PATHS.verify, async (request, reply) => {
    const body = objectBody(request.body);
    const stream = await owned(request, body.stream_id);
    if (body.state !== undefined && (typeof body.state !== 'string' || body.state.length > 256)) throw invalidRequest('state must be a short string');
    const previous = lastVerification.get(stream.id);
    const at = now();
    if (previous !== undefined && at - previous < minVerificationInterval * 1000) {
      const wait = Math.ceil((previous + minVerificationInterval * 1000 - at) / 1000);
      throw new OAuthError('invalid_request', 429, 'verification requested too often (min_verification_interval)', { headers: { 'retry-after': String(wait) } });
    }
    lastVerification.set(stream.id, at);
    const jti = await transmitter.verify(stream, body.state as string | undefined);
    request.log.info({ streamId: stream.id, jti }, 'SSF verification queued');
    return reply.code(204).send();
  });
}
