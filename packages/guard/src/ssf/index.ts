export { SsfReceiver, type Poller, type SsfHealth, type SsfPushResponse, type SsfReceiverOptions } from './receiver.js';
export { SetError, verifySet, type VerifiedSet } from './verify-set.js';
export { DEVICE_COMPLIANCE_CHANGE, SESSION_REVOKED, SET_MEDIA_TYPE, SET_TYP, STREAM_UPDATED, VERIFICATION, type SetErrorCode } from './vocabulary.js';
