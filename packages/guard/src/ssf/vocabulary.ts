/** CAEP 1.0 §3.5 and §3.1 event types the guard acts on, and the SSF 1.0 events it understands. */
export const DEVICE_COMPLIANCE_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/device-compliance-change';
export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
export const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
export const STREAM_UPDATED = 'https://schemas.openid.net/secevent/ssf/event-type/stream-updated';

/** RFC 8417 §2.3 explicit type of a SET, and its media type in transit (RFC 8935 §2, RFC 8936 §2). */
export const SET_TYP = 'secevent+jwt';
export const SET_MEDIA_TYPE = 'application/secevent+jwt';

/** RFC 8935 §2.3 / RFC 8936 §2.4 error codes (the IANA "Security Event Token Error Codes" registry). */
export type SetErrorCode = 'invalid_request' | 'invalid_key' | 'invalid_issuer' | 'invalid_audience' | 'authentication_failed' | 'access_denied';
