import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SsfStreamRecord, SsfStreamStore } from '@tessera/store';
import { invalidRequest } from '../errors.js';
import type { AuthenticateReceiver, Receiver } from './auth.js';
import { objectBody, queryParam, sendJson, streamNotFound } from './http.js';
import { checkPushEndpoint, deliveredOf, parseStreamInput, streamToWire, type StreamInput } from './stream-config.js';
import type { Transmitter } from './transmitter.js';
import { EVENTS_SUPPORTED, PUSH, SSF_PATHS } from './vocabulary.js';

/** How many streams one receiver (client) may have. */
export const MAX_STREAMS_PER_RECEIVER = 10;

export interface StreamRoutesDeps {
  issuer: string;
  streams: SsfStreamStore;
  authenticate: AuthenticateReceiver;
  transmitter: Transmitter;
  now: () => number;
  minVerificationInterval: number;
}

/** A receiver sees and changes only the streams it created: those whose `aud` is its client id. */
export function ownedBy(stream: SsfStreamRecord | undefined, receiver: Receiver): stream is SsfStreamRecord {
  return stream !== undefined && stream.audience.includes(receiver.clientId);
}

function delivery(input: StreamInput, previous: SsfStreamRecord | undefined): Pick<SsfStreamRecord, 'deliveryMethod' | 'endpointUrl' | 'authorizationHeader'> {
  const d = input.delivery;
  if (d === undefined) {
    if (previous !== undefined) return previous;
    // SSF 1.0 §8.1.1.1: without `delivery` the transmitter picks; poll needs nothing from the receiver.
    return { deliveryMethod: 'poll', endpointUrl: null, authorizationHeader: null };
  }
  if (d.method === PUSH) return { deliveryMethod: 'push', endpointUrl: checkPushEndpoint(d.endpoint_url), authorizationHeader: d.authorization_header ?? null };
  return { deliveryMethod: 'poll', endpointUrl: null, authorizationHeader: null };
}

/**
 * Stream management on the configuration endpoint (SSF 1.0 §8.1.1): POST creates (201), GET reads one
 * (`?stream_id=`) or lists the caller's, PATCH updates the given receiver-supplied members, PUT
 * replaces them, DELETE removes the stream and its queued events (204). The transmitter supplies `aud`:
 * the creating client's id, which is also how ownership is checked.
 */
export function registerStreamRoutes(scope: FastifyInstance, deps: StreamRoutesDeps): void {
  const { issuer, streams, authenticate, now, minVerificationInterval } = deps;
  const wire = (s: SsfStreamRecord) => streamToWire(s, issuer, minVerificationInterval);

  async function load(receiver: Receiver, id: string | undefined): Promise<SsfStreamRecord> {
    if (id === undefined || id === '') throw invalidRequest('stream_id is required');
    const stream = await streams.get(id);
    if (!ownedBy(stream, receiver)) throw streamNotFound();
    return stream;
  }

  scope.post(SSF_PATHS.streams, async (request, reply) => {
    const receiver = await authenticate(request);
    const input = parseStreamInput(objectBody(request.body));
    // Every event is signed and queued once per stream: a receiver may not multiply that without bound.
    const owned = (await streams.list()).filter((s) => ownedBy(s, receiver)).length;
    if (owned >= MAX_STREAMS_PER_RECEIVER) {
      // SSF 1.0 §8.1.1.1: 409 when the transmitter will not add another stream for this receiver.
      return sendJson(reply, 409, { error: 'invalid_request', error_description: `at most ${MAX_STREAMS_PER_RECEIVER} streams per receiver; delete one first` });
    }
    const at = new Date(now());
    const requested = input.events_requested ?? [...EVENTS_SUPPORTED];
    const stream: SsfStreamRecord = {
      id: randomUUID(),
      audience: [receiver.clientId],
      ...delivery(input, undefined),
      eventsRequested: requested,
      eventsDelivered: deliveredOf(requested),
      status: 'enabled',
      reason: null,
      description: input.description ?? null,
      createdAt: at,
      updatedAt: at,
    };
    await streams.create(stream);
    request.log.info({ streamId: stream.id, clientId: receiver.clientId, delivery: stream.deliveryMethod }, 'SSF stream created');
    return sendJson(reply, 201, wire(stream));
  });

  scope.get(SSF_PATHS.streams, async (request, reply) => {
    const receiver = await authenticate(request);
    const id = queryParam(request.query, 'stream_id');
    if (id !== undefined) return sendJson(reply, 200, wire(await load(receiver, id)));
    const all = (await streams.list()).filter((s) => ownedBy(s, receiver));
    return sendJson(reply, 200, all.map(wire));
  });

  async function change(request: FastifyRequest, replace: boolean) {
    const receiver = await authenticate(request);
    const input = parseStreamInput(objectBody(request.body));
    const stream = await load(receiver, input.stream_id);
    const requested = input.events_requested ?? (replace ? [...EVENTS_SUPPORTED] : stream.eventsRequested);
    const next: SsfStreamRecord = {
      ...stream,
      ...delivery(input, replace ? undefined : stream),
      eventsRequested: requested,
      eventsDelivered: deliveredOf(requested),
      description: input.description ?? (replace ? null : stream.description),
      updatedAt: new Date(now()),
    };
    if (!(await streams.update(next))) throw streamNotFound();
    request.log.info({ streamId: next.id, clientId: receiver.clientId, replace }, 'SSF stream updated');
    return next;
  }

  scope.patch(SSF_PATHS.streams, async (request, reply) => sendJson(reply, 200, wire(await change(request, false))));
  scope.put(SSF_PATHS.streams, async (request, reply) => sendJson(reply, 200, wire(await change(request, true))));

  scope.delete(SSF_PATHS.streams, async (request, reply) => {
    const receiver = await authenticate(request);
    const stream = await load(receiver, queryParam(request.query, 'stream_id'));
    if (!(await streams.delete(stream.id))) throw streamNotFound();
    request.log.info({ streamId: stream.id, clientId: receiver.clientId }, 'SSF stream deleted');
    return reply.code(204).send();
  });
}
