import type { SsfStreamRecord } from '@tessera/store';
import { z } from 'zod';
import { invalidRequest } from '../errors.js';
import { EVENTS_SUPPORTED, POLL, PUSH, SSF_PATHS } from './vocabulary.js';

/**
 * The receiver-supplied part of a stream configuration (SSF 1.0 §8.1.1). Transmitter-supplied members
 * (`iss`, `aud`, `events_supported`, `events_delivered`, `min_verification_interval`, a poll
 * `endpoint_url`) may be echoed back by a receiver; they are ignored, never taken from the request.
 */
const deliverySchema = z.object({
  method: z.enum([PUSH, POLL]),
  endpoint_url: z.string().max(2048).optional(),
  authorization_header: z.string().max(4096).optional(),
});

export const streamInputSchema = z
  .object({
    stream_id: z.string().max(128).optional(),
    delivery: deliverySchema.optional(),
    events_requested: z.array(z.string().max(256)).max(32).optional(),
    description: z.string().max(512).optional(),
  })
  .passthrough();

export type StreamInput = z.output<typeof streamInputSchema>;

/** Parse a JSON body into the receiver-supplied fields, or throw `invalid_request` naming the problem. */
export function parseStreamInput(body: unknown): StreamInput {
  const result = streamInputSchema.safeParse(body ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw invalidRequest(`stream configuration: ${issue.path.join('.') || '(body)'}: ${issue.message}`);
  }
  return result.data;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A push endpoint is where we POST SETs with the receiver's secret header: https (http on loopback), no credentials in the URL. */
export function checkPushEndpoint(value: string | undefined): string {
  if (value === undefined) throw invalidRequest('delivery.endpoint_url is required for push delivery (RFC 8935)');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidRequest('delivery.endpoint_url must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidRequest('delivery.endpoint_url must be an http(s) URL');
  // SETs and the receiver's secret header travel to it: plain http only to this machine (development).
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) throw invalidRequest('delivery.endpoint_url must use https (http only for localhost)');
  if (url.username !== '' || url.password !== '' || url.hash !== '') throw invalidRequest('delivery.endpoint_url must not carry credentials or a fragment');
  return url.href;
}

/** Requested types we support; an absent list means every supported type. */
export function deliveredOf(requested: readonly string[]): string[] {
  return EVENTS_SUPPORTED.filter((type) => requested.includes(type));
}

/** The wire form of a stream (SSF 1.0 §8.1.1). */
export function streamToWire(stream: SsfStreamRecord, issuer: string, minVerificationInterval: number): Record<string, unknown> {
  const delivery: Record<string, unknown> = {
    method: stream.deliveryMethod === 'push' ? PUSH : POLL,
    endpoint_url: stream.deliveryMethod === 'push' ? stream.endpointUrl : `${issuer}${SSF_PATHS.poll}/${stream.id}`,
  };
  // The authorization header is a secret the receiver gave us: never echoed back.
  return {
    stream_id: stream.id,
    iss: stream.issuer ?? issuer,
    aud: stream.audience.length === 1 ? stream.audience[0] : stream.audience,
    delivery,
    events_supported: [...EVENTS_SUPPORTED],
    events_requested: stream.eventsRequested,
    events_delivered: stream.eventsDelivered,
    min_verification_interval: minVerificationInterval,
    ...(stream.description === null ? {} : { description: stream.description }),
  };
}
