import type { DenyEntry } from '../deny-list.js';
import { DEVICE_COMPLIANCE_CHANGE, SESSION_REVOKED, STREAM_UPDATED, VERIFICATION } from './vocabulary.js';
import type { VerifiedSet } from './verify-set.js';

/** What one SET meant for the guard. */
export type SetOutcome =
  | { kind: 'denied'; entries: DenyEntry[] }
  | { kind: 'verification' }
  | { kind: 'stream_updated'; status: string | undefined }
  | { kind: 'ignored'; why: string };

interface Subject {
  device?: string;
  session?: string;
  user?: string;
  opaque?: string;
}

function opaqueId(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { format, id } = value as { format?: unknown; id?: unknown };
  return format === 'opaque' && typeof id === 'string' && id !== '' ? id : undefined;
}

/**
 * The identifiers of an SSF subject (SSF 1.0 §3, RFC 9493): `{format: "opaque", id}` or
 * `{format: "complex", device, session, user}` with opaque members (what Tessera's transmitter sends).
 * `iss_sub` user subjects of this issuer count as the user.
 */
function subjectOf(value: unknown, issuer: string): Subject {
  if (value === null || typeof value !== 'object') return {};
  const record = value as Record<string, unknown>;
  if (record.format === 'opaque') return { opaque: opaqueId(record) };
  if (record.format === 'iss_sub') return record.iss === issuer && typeof record.sub === 'string' ? { user: record.sub } : {};
  if (record.format !== 'complex') return {};
  const user = opaqueId(record.user) ?? (subjectOf(record.user, issuer).user);
  return { device: opaqueId(record.device), session: opaqueId(record.session), user };
}

/**
 * Turn a verified SET into deny-list entries (issue 5 §6):
 * - CAEP `device-compliance-change` to `not-compliant` → deny the device's tokens issued at or before
 *   `event_timestamp` (a token issued later, after the device recovered, is not affected);
 *   back to `compliant` changes nothing: revoked tokens stay revoked.
 * - CAEP `session-revoked` → deny the session (`sid`), or, with a user-only subject, every token of the
 *   user (`sub`) issued at or before the event.
 * Entries are kept `maxTokenLifetime` past the event: no token they could match outlives that.
 */
export function applySet(set: VerifiedSet, issuer: string, maxTokenLifetime: number): SetOutcome {
  const [type, payload] = Object.entries(set.events)[0]!;
  const subject = subjectOf(payload.subject ?? set.subject, issuer);
  const at = typeof payload.event_timestamp === 'number' && Number.isFinite(payload.event_timestamp) ? Math.floor(payload.event_timestamp) : set.iat;
  const until = at + maxTokenLifetime;
  switch (type) {
    case DEVICE_COMPLIANCE_CHANGE: {
      if (payload.current_status !== 'not-compliant') return { kind: 'ignored', why: `device now ${String(payload.current_status)}` };
      const deviceId = subject.device ?? subject.opaque;
      if (deviceId === undefined) return { kind: 'ignored', why: 'device-compliance-change without a device subject' };
      return { kind: 'denied', entries: [{ deviceId, until, issuedBefore: at }] };
    }
    case SESSION_REVOKED: {
      const sid = subject.session ?? subject.opaque;
      if (sid !== undefined) return { kind: 'denied', entries: [{ sid, until, issuedBefore: at }] };
      if (subject.user !== undefined) return { kind: 'denied', entries: [{ sub: subject.user, until, issuedBefore: at }] };
      return { kind: 'ignored', why: 'session-revoked without a session or user subject' };
    }
    case VERIFICATION:
      return { kind: 'verification' };
    case STREAM_UPDATED:
      return { kind: 'stream_updated', status: typeof payload.status === 'string' ? payload.status : undefined };
    default:
      return { kind: 'ignored', why: `event type not handled: ${type.slice(0, 120)}` };
  }
}
