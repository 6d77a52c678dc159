import { invalidSignal } from './reply.js';

/** CAEP 1.0 §3.5: a device's compliance changed, per the transmitter. */
export const DEVICE_COMPLIANCE_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/device-compliance-change';

const STATUSES = new Set(['compliant', 'not-compliant']);

/** The parts of a `device-compliance-change` event Tessera acts on. */
export interface DeviceComplianceChange {
  deviceId: string;
  current: 'compliant' | 'not-compliant';
  previous: 'compliant' | 'not-compliant' | undefined;
  /** `event_timestamp` (NumericDate, CAEP 1.0 §2), or the SET's `iat` when absent, in ms. */
  at: number;
  reasonAdmin: string | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The device a subject identifier names (SSF 1.0 / RFC 9493): `{ format: "opaque", id }`, or a complex
 * subject whose `device` member is such an identifier. Anything else names no device of ours.
 */
function deviceOf(subject: unknown): string | undefined {
  if (!isObject(subject)) return undefined;
  if (subject.format === 'opaque' && typeof subject.id === 'string' && subject.id !== '') return subject.id;
  if (subject.format === 'complex') return deviceOf(subject.device);
  return undefined;
}

/**
 * Read the device-compliance-change event of a verified SET payload, or `undefined` when the SET carries
 * none (another event type: accepted and ignored). The subject is the SET's `sub_id` (SSF 1.0) or, in
 * older CAEP drafts, the event's `subject`. Every malformed member is a 400 `invalid_request`.
 */
export function readDeviceComplianceChange(payload: Record<string, unknown>): DeviceComplianceChange | undefined {
  const events = payload.events;
  if (!isObject(events)) throw invalidSignal('the SET has no "events" object', 'no_events');
  const event = events[DEVICE_COMPLIANCE_CHANGE];
  if (event === undefined) return undefined;
  if (!isObject(event)) throw invalidSignal('the device-compliance-change event is not an object', 'event_schema');
  const deviceId = deviceOf(payload.sub_id) ?? deviceOf(event.subject);
  if (deviceId === undefined) throw invalidSignal('the subject does not identify a device (opaque id or complex subject with "device")', 'event_subject');
  const current = event.current_status;
  if (typeof current !== 'string' || !STATUSES.has(current)) throw invalidSignal('current_status must be "compliant" or "not-compliant"', 'event_schema');
  const previous = event.previous_status;
  if (previous !== undefined && (typeof previous !== 'string' || !STATUSES.has(previous))) {
    throw invalidSignal('previous_status must be "compliant" or "not-compliant"', 'event_schema');
  }
  const timestamp = event.event_timestamp ?? payload.iat;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < 0) {
    throw invalidSignal('event_timestamp must be a NumericDate', 'event_schema');
  }
  const reasonAdmin = isObject(event.reason_admin) ? (typeof event.reason_admin.en === 'string' ? event.reason_admin.en : undefined)
    : typeof event.reason_admin === 'string' ? event.reason_admin : undefined;
  return {
    deviceId,
    current: current as DeviceComplianceChange['current'],
    previous: previous as DeviceComplianceChange['previous'],
    at: Math.round(timestamp * 1000),
    reasonAdmin: reasonAdmin?.slice(0, 500),
  };
}
