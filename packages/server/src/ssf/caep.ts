import type { ServerEvents } from '../events/bus.js';
import { DEVICE_COMPLIANCE_CHANGE, SESSION_REVOKED, type SubjectId } from './vocabulary.js';

/** An event about to be sent: type, subject and payload; the audience comes from each stream. */
export interface OutgoingEvent {
  readonly type: string;
  readonly subject: SubjectId;
  readonly payload: Readonly<Record<string, unknown>>;
}

const opaque = (id: string) => ({ format: 'opaque', id }) as const;
const seconds = (at: Date) => Math.floor(at.getTime() / 1000);

/**
 * CAEP 1.0 `device-compliance-change`. The subject names the device and, when it has one, its owner,
 * so a receiver that tracks only users can still act. `reason_admin` carries the stable compliance
 * reason codes (for operators); `initiating_entity` is `policy` because the change comes from
 * evaluating the UEM's report against the compliance profile.
 */
export function deviceComplianceChange(event: ServerEvents['device.compliance_changed']): OutgoingEvent {
  return {
    type: DEVICE_COMPLIANCE_CHANGE,
    subject: { format: 'complex', device: opaque(event.deviceId), ...(event.userId === null ? {} : { user: opaque(event.userId) }) },
    payload: {
      current_status: event.current,
      previous_status: event.previous,
      event_timestamp: seconds(event.at),
      initiating_entity: 'policy',
      reason_admin: { en: event.reasons.length > 0 ? event.reasons.join(' ') : 'compliant' },
    },
  };
}

/** A deleted device can never be compliant again: sent as a change to `not-compliant`. */
export function deviceDeleted(event: ServerEvents['device.deleted']): OutgoingEvent {
  return deviceComplianceChange({ ...event, previous: 'compliant', current: 'not-compliant', reasons: ['device_deleted'] });
}

/** CAEP 1.0 `session-revoked` for one SSO session (`sid`) of a user. */
export function sessionRevoked(event: ServerEvents['session.revoked']): OutgoingEvent {
  return {
    type: SESSION_REVOKED,
    subject: { format: 'complex', session: opaque(event.sid), user: opaque(event.userId) },
    payload: { event_timestamp: seconds(event.at), initiating_entity: 'admin', reason_admin: { en: event.reason } },
  };
}

/**
 * A disabled user: one `session-revoked` whose subject is the user alone, which CAEP receivers read as
 * "every session of this user" (CAEP 1.0 §3.1 allows a user subject).
 */
export function userDisabled(event: ServerEvents['user.disabled']): OutgoingEvent {
  return {
    type: SESSION_REVOKED,
    subject: { format: 'complex', user: opaque(event.userId) },
    payload: { event_timestamp: seconds(event.at), initiating_entity: 'admin', reason_admin: { en: 'user_disabled' } },
  };
}
