export { startBackchannelLogout, type BackchannelLogout, type BackchannelLogoutDeps, type DeliveryResult } from './backchannel.js';
export { BACKCHANNEL_LOGOUT_EVENT, LOGOUT_TOKEN_TTL_SECONDS, LOGOUT_TOKEN_TYP, signLogoutToken, type LogoutTokenInput } from './logout-token.js';
