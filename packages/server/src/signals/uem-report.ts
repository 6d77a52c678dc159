import { z } from 'zod';
import { DEVICE_ID } from '../devices/registry.js';
import { invalidSignal } from './reply.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
/** Epoch seconds up to the year 5138: larger numbers are milliseconds sent by mistake. */
const MAX_EPOCH_SECONDS = 1e11;

/** The JSON posture report a UEM connector posts (issue 5 §2). Unknown members are refused. */
export const uemReportSchema = z.strictObject({
  eventId: z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
  deviceId: z.string().regex(DEVICE_ID, 'not a device id'),
  reportedAt: z.union([
    z.string().regex(RFC3339, 'an RFC 3339 date-time such as 2026-01-01T12:00:00Z').refine((v) => !Number.isNaN(Date.parse(v)), 'not a valid date'),
    z.number().finite().min(0).max(MAX_EPOCH_SECONDS, 'epoch seconds, not milliseconds'),
  ]),
  diskEncrypted: z.boolean(),
  passcodeCompliant: z.boolean(),
  jailbroken: z.boolean(),
  osVersion: z.string().min(1).max(64),
  managed: z.boolean(),
  platform: z.enum(['ios', 'ipados', 'android', 'macos', 'windows', 'linux']).optional(),
});

export type UemReport = z.output<typeof uemReportSchema>;

/** Parse the raw body (already authenticated) into a report; every problem is a 400 `invalid_request`. */
export function parseUemReport(raw: Buffer): UemReport & { reportedAtDate: Date } {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw invalidSignal('the body is not JSON', 'malformed_json');
  }
  const parsed = uemReportSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const where = first.path.length > 0 ? `${first.path.join('.')}: ` : '';
    throw invalidSignal(`${where}${first.message}`, 'schema');
  }
  const r = parsed.data;
  const reportedAtDate = new Date(typeof r.reportedAt === 'number' ? Math.round(r.reportedAt * 1000) : Date.parse(r.reportedAt));
  return { ...r, reportedAtDate };
}
