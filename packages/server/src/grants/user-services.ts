import type { AuthorizationCodeStore, DeviceCodeStore, GrantStore, TokenStore, UserStore } from '@tessera/store';
import { serverError } from '../errors.js';
import type { IssueIdToken } from '../oidc/id-token.js';
import type { Families } from '../tokens/family.js';
import type { RefreshTokenValues } from '../tokens/refresh-token.js';
import type { GrantDeps } from './define.js';

/**
 * What the grants a user stands behind (authorization_code, refresh_token, device_code) need beyond
 * issuing an access token: the stores of their codes and tokens, the user, the family ledger, refresh
 * values, ID tokens, and the lifetimes they enforce.
 */
export interface UserGrantServices {
  now: () => number;
  codes: Pick<AuthorizationCodeStore, 'consume'>;
  deviceCodes: Pick<DeviceCodeStore, 'poll'>;
  tokens: Pick<TokenStore, 'put' | 'get' | 'rotate'>;
  users: Pick<UserStore, 'get'>;
  grants: Pick<GrantStore, 'get'>;
  families: Families;
  refreshValues: RefreshTokenValues;
  issueIdToken: IssueIdToken;
  lifetimes: {
    /** Seconds a refresh token may go unused (extended on each rotation). */
    refreshIdle: number;
    /** Seconds from the exchange after which no refresh token of the family is valid. */
    refreshAbsolute: number;
    /** Seconds after a rotation during which the predecessor yields the same successor. */
    refreshGrace: number;
  };
}

/** The user-grant services, or a 500 for a server assembled without them (a wiring bug, not a client error). */
export function userServices(deps: GrantDeps): UserGrantServices {
  if (deps.user === undefined) throw serverError(undefined, { detail: 'user grants registered without GrantDeps.user' });
  return deps.user;
}
