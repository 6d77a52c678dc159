import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Storage } from '@tessera/store';
import type { DevicesConfig } from '../devices/config.js';
import type { DeviceRegistry } from '../devices/registry.js';
import { verifyWebhookSignature } from './hmac.js';
import { acceptOnlyMediaType, authenticationFailed, invalidSignal, SignalError } from './reply.js';
import { parseUemReport } from './uem-report.js';

/** Posture reports are small; anything bigger is refused before it is read. */
export const UEM_BODY_LIMIT = 64 * 1024;
const TIMESTAMP = /^\d{1,12}$/;

export interface UemWebhookOptions {
  config: Pick<DevicesConfig, 'uem' | 'clockSkew'>;
  registry: DeviceRegistry;
  storage: Pick<Storage, 'devices'>;
  now: () => number;
}

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
};

/**
 * Step 1: the sender. The source must be configured, `Tessera-Timestamp` within the replay window of
 * our clock, and `Tessera-Signature` an HMAC of `<timestamp>.<raw body>` under one of its secrets. The
 * body is not even parsed before this passes.
 */
function authenticate(request: FastifyRequest<{ Params: { source: string } }>, body: Buffer, options: UemWebhookOptions): void {
  const source = options.config.uem.sources[request.params.source];
  if (!source || !Object.hasOwn(options.config.uem.sources, request.params.source)) throw authenticationFailed('unknown_source');
  const timestamp = header(request, 'tessera-timestamp');
  const signature = header(request, 'tessera-signature');
  if (timestamp === undefined) throw authenticationFailed('missing_timestamp');
  if (signature === undefined) throw authenticationFailed('missing_signature');
  if (!TIMESTAMP.test(timestamp)) throw authenticationFailed('malformed_timestamp');
  const skew = Math.abs(options.now() / 1000 - Number(timestamp));
  if (skew > options.config.uem.replayWindow) throw authenticationFailed('timestamp_outside_window');
  if (!verifyWebhookSignature(signature, source.secrets, timestamp, body)) throw authenticationFailed('bad_signature');
}

/**
 * `POST /signals/uem/:source` (issue 5 §2): a UEM connector's signed posture report. An encapsulated
 * plugin: its own JSON parser keeps the raw bytes (the HMAC covers them exactly), a 64 KiB limit, and
 * RFC 8935-style error bodies. The report is idempotent by `eventId` and ordered by `reportedAt`
 * (both enforced inside one storage transaction); the answer comes once the posture is durable, and a
 * compliance flip is announced on the event bus at once.
 */
export async function uemWebhookPlugin(app: FastifyInstance, options: UemWebhookOptions): Promise<void> {
  const requireJson = acceptOnlyMediaType(app, { kind: 'uem', mediaType: 'application/json', parseAs: 'buffer', bodyLimit: UEM_BODY_LIMIT });

  app.post<{ Params: { source: string } }>('/signals/uem/:source', { bodyLimit: UEM_BODY_LIMIT }, async (request, reply) => {
    requireJson(request);
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    authenticate(request, body, options);
    const report = parseUemReport(body);
    const source = request.params.source;

    // Step 3: the device must exist, be managed by this source and be of the reported platform.
    const device = await options.storage.devices.get(report.deviceId);
    if (!device) throw invalidSignal('unknown device', 'unknown_device');
    if (device.uem !== source) throw new SignalError(403, 'access_denied', 'the device is not managed by this source', 'foreign_device');
    if (report.platform !== undefined && report.platform !== device.platform) {
      throw invalidSignal('platform does not match the enrolled device', 'platform_mismatch');
    }
    // A report from the future would outrank every later one (reports are ordered by time): refuse it.
    if (report.reportedAtDate.getTime() > options.now() + options.config.clockSkew * 1000) {
      throw invalidSignal('reportedAt is in the future', 'future_report');
    }

    // Step 4: apply (one transaction: order and idempotency), evaluate, announce.
    const outcome = await options.registry.report(report.deviceId, {
      eventId: report.eventId,
      source,
      reportedAt: report.reportedAtDate,
      osVersion: report.osVersion,
      signals: {
        diskEncrypted: report.diskEncrypted, passcodeCompliant: report.passcodeCompliant, jailbroken: report.jailbroken,
        osVersion: report.osVersion, managed: report.managed,
      },
    });
    if (outcome.status === 'not_found') throw invalidSignal('unknown device', 'unknown_device');
    if (outcome.status !== 'applied') request.log.info({ source, deviceId: report.deviceId, eventId: report.eventId, status: outcome.status }, 'uem report not applied');
    return reply.code(202).header('cache-control', 'no-store').send({
      status: outcome.status,
      ...(outcome.status === 'applied' ? { compliant: outcome.device?.compliance?.compliant === true } : {}),
    });
  });
}
