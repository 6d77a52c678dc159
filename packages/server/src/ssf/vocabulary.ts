/**
 * The identifiers of the Shared Signals Framework (OpenID SSF 1.0) and CAEP 1.0 that the transmitter
 * speaks, in one place so that producers, tests and documentation agree on the exact strings.
 */

/** CAEP 1.0 §3.5: a device's compliance status changed. */
export const DEVICE_COMPLIANCE_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/device-compliance-change';
/** CAEP 1.0 §3.1: a session was revoked. */
export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
/** SSF 1.0 §8.1.4: the verification event a receiver asks for to check a stream end to end. */
export const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
/** SSF 1.0 §8.1.5: the transmitter changed a stream's status. */
export const STREAM_UPDATED = 'https://schemas.openid.net/secevent/ssf/event-type/stream-updated';

/** Event types a receiver may request (verification and stream-updated are always delivered). */
export const EVENTS_SUPPORTED: readonly string[] = Object.freeze([DEVICE_COMPLIANCE_CHANGE, SESSION_REVOKED]);

/** RFC 8935 push delivery and RFC 8936 poll delivery, as SSF 1.0 §6.1.1 names them. */
export const PUSH = 'urn:ietf:rfc:8935';
export const POLL = 'urn:ietf:rfc:8936';
export type DeliveryMethod = typeof PUSH | typeof POLL;

/** RFC 8417 §2.3 explicit typing of a Security Event Token. */
export const SET_TYP = 'secevent+jwt';
/** RFC 8935 §2 / RFC 8936 §2: the media type a SET travels in. */
export const SET_MEDIA_TYPE = 'application/secevent+jwt';

/** Paths of the transmitter, relative to the issuer. */
export const SSF_PATHS = Object.freeze({
  configuration: '/.well-known/ssf-configuration',
  streams: '/ssf/streams',
  status: '/ssf/status',
  verify: '/ssf/verify',
  /** RFC 8936 poll endpoint; the stream id is the last path segment. */
  poll: '/ssf/poll',
  /** Catch-up feed of cut-offs and revocations (docs/device-trust.md, "missed events"). */
  feed: '/ssf/feed',
});

/** RFC 9493 subject identifiers used in `sub_id` (SSF 1.0 §3). */
export type SubjectId =
  | { readonly format: 'opaque'; readonly id: string }
  | {
      readonly format: 'complex';
      readonly device?: { readonly format: 'opaque'; readonly id: string };
      readonly user?: { readonly format: 'opaque'; readonly id: string };
      readonly session?: { readonly format: 'opaque'; readonly id: string };
    };
