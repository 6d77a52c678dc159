import type { ClientRecord, Storage } from '@tessera/store';
import type { FastifyBaseLogger } from 'fastify';
import type { VerificationKey } from '@tessera/token';
import type { AccountService } from '../accounts/service.js';
import type { SessionLifetimes } from '../accounts/sessions.js';
import type { TotpEnrolment } from '../accounts/totp-enrolment.js';
import type { EventBus } from '../events/bus.js';
import type { CheckAccess } from '../grants/define.js';
import type { CookieSecurity } from '../interaction/cookies.js';
import type { CsrfProtection } from '../interaction/csrf.js';
import type { Sealer } from '../interaction/sealed.js';
import type { LoginThrottle, ThrottleRule } from '../interaction/throttle.js';
import type { PushedRequestResolver } from './validate.js';

/** Where the user-facing endpoints live, relative to the issuer. */
export const INTERACTION_PATHS = Object.freeze({
  authorize: '/authorize',
  /** Continues an interaction after a POST to /authorize (see routes). */
  resume: '/authorize/resume',
  login: '/login',
  totp: '/login/totp',
  consent: '/consent',
  device: '/device',
  deviceConfirm: '/device/confirm',
  logout: '/logout',
  accountTotp: '/account/totp',
});

/**
 * Cookie base names (the `__Host-` prefix is added over https, see cookies.ts). `browser` is a random,
 * long-lived id of a browser that once signed in: the login throttle treats it as a known source, so
 * an account lock caused by strangers never locks out the owner's own browser.
 */
export const COOKIES = Object.freeze({ session: 'tessera_session', interaction: 'tessera_interaction', browser: 'tessera_browser' });

/** How long the known-browser cookie lives (browsers cap cookie lifetimes at 400 days). */
export const BROWSER_COOKIE_SECONDS = 365 * 86_400;

/** The storage slices the user-facing half reads and writes. */
export type InteractionStorage = Pick<Storage, 'users' | 'sessions' | 'grants' | 'authorizationCodes' | 'deviceCodes' | 'tokens' | 'loginThrottle' | 'devices' | 'replay'>;

/** Everything the authorization endpoint and the pages need, passed explicitly (STYLE V3). */
export interface InteractionDeps {
  readonly issuer: string;
  readonly issuerOrigin: string;
  /** Epoch ms. */
  readonly now: () => number;
  readonly storage: InteractionStorage;
  readonly lookupClient: (clientId: string) => ClientRecord | undefined | Promise<ClientRecord | undefined>;
  /** Pushed authorization requests (RFC 9126); without them /authorize refuses `request_uri`. */
  readonly pushedRequests?: PushedRequestResolver;
  readonly accounts: AccountService;
  readonly throttle: LoginThrottle;
  readonly userCodeThrottle: Pick<ThrottleRule, 'freeFailures' | 'lockoutAfter' | 'lockoutSeconds'>;
  readonly enrolment: TotpEnrolment;
  /** Name authenticator apps show next to the account. */
  readonly totpIssuer: string;
  readonly masterKey: Buffer;
  readonly cookies: CookieSecurity;
  readonly sealer: Sealer;
  readonly csrf: CsrfProtection;
  readonly sessionLifetimes: SessionLifetimes;
  /** Seconds a person has to finish an interaction. */
  readonly interactionTtl: number;
  /** Asked before a code is issued or a device approved (action `authorize`). */
  readonly checkAccess: CheckAccess;
  readonly events: EventBus;
  /** One of our published keys by `kid`, to verify an `id_token_hint` at logout. */
  readonly verificationKey: (kid: string | undefined) => VerificationKey | undefined;
  readonly log: FastifyBaseLogger;
}

/** Authorization codes live 60 seconds (RFC 6749 §4.1.2 recommends at most 10 minutes). */
export const CODE_LIFETIME_SECONDS = 60;
