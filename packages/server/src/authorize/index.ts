import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ClientRecord } from '@tessera/store';
import type { VerificationKey } from '@tessera/token';
import { throttlePolicyFrom, passwordParamsFrom, type AccountsConfig } from '../accounts/config.js';
import { createPasswordHasher } from '../accounts/passwords.js';
import { createAccountService } from '../accounts/service.js';
import { createTotpEnrolment } from '../accounts/totp-enrolment.js';
import type { EventBus } from '../events/bus.js';
import type { CheckAccess } from '../grants/define.js';
import type { InteractionConfig } from '../interaction/config.js';
import { cookieSecurityFor } from '../interaction/cookies.js';
import { createCsrfProtection } from '../interaction/csrf.js';
import { createSealer, deriveKey } from '../interaction/sealed.js';
import { createLoginThrottle } from '../interaction/throttle.js';
import { registerAccountPages } from './account-routes.js';
import { registerAuthorize } from './authorize-routes.js';
import { registerConsent } from './consent-routes.js';
import { INTERACTION_PATHS, type InteractionDeps, type InteractionStorage } from './deps.js';
import { registerDevicePages } from './device-routes.js';
import { pageScope } from './http.js';
import { registerLogin } from './login-routes.js';
import { registerEndSession } from '../endpoints/end-session.js';
import type { PushedRequestResolver } from './validate.js';

export { INTERACTION_PATHS, COOKIES, CODE_LIFETIME_SECONDS, type InteractionDeps } from './deps.js';
export type { AuthorizationRequest } from './request.js';

export interface InteractionOptions {
  readonly issuer: string;
  readonly masterKey: Buffer;
  readonly accounts: AccountsConfig;
  readonly interaction: InteractionConfig;
  readonly storage: InteractionStorage;
  readonly lookupClient: (clientId: string) => ClientRecord | undefined | Promise<ClientRecord | undefined>;
  /** Pushed authorization requests (RFC 9126 §4), when the server offers them. */
  readonly pushedRequests?: PushedRequestResolver;
  readonly checkAccess: CheckAccess;
  readonly events: EventBus;
  readonly verificationKey: (kid: string | undefined) => VerificationKey | undefined;
  /** Epoch ms. */
  readonly now: () => number;
  readonly log: FastifyBaseLogger;
}

/** Assemble what the user-facing half needs from config; keys for sealing and CSRF are derived from the master key, one per purpose. */
export function createInteractionDeps(options: InteractionOptions): InteractionDeps {
  const { storage, now } = options;
  const date = () => new Date(now());
  const passwords = createPasswordHasher(passwordParamsFrom(options.accounts));
  const accounts = createAccountService({
    users: storage.users,
    passwords,
    masterKey: options.masterKey,
    now: date,
    passwordPolicy: { minLength: options.accounts.passwordMinLength, maxBytes: options.accounts.argon2.maxPasswordBytes },
  });
  return {
    issuer: options.issuer,
    issuerOrigin: new URL(options.issuer).origin,
    now,
    storage,
    lookupClient: options.lookupClient,
    ...(options.pushedRequests !== undefined && { pushedRequests: options.pushedRequests }),
    accounts,
    throttle: createLoginThrottle(storage.loginThrottle, { policy: throttlePolicyFrom(options.accounts), now: date }),
    userCodeThrottle: options.interaction.userCodeThrottle,
    enrolment: createTotpEnrolment({ users: storage.users, masterKey: options.masterKey, now: date, issuerName: options.accounts.totpIssuer }),
    totpIssuer: options.accounts.totpIssuer,
    masterKey: options.masterKey,
    cookies: cookieSecurityFor(options.issuer),
    sealer: createSealer(deriveKey(options.masterKey, 'interaction-state/v1')),
    csrf: createCsrfProtection(deriveKey(options.masterKey, 'csrf/v1')),
    sessionLifetimes: { absoluteSeconds: options.accounts.session.absolute, idleSeconds: options.accounts.session.idle },
    interactionTtl: options.interaction.ttl,
    checkAccess: options.checkAccess,
    events: options.events,
    verificationKey: options.verificationKey,
    log: options.log,
  };
}

/** Register /authorize, the sign-in, consent, device and account pages, and /logout. */
export function registerInteraction(app: FastifyInstance, deps: InteractionDeps): void {
  pageScope(app, (scope) => {
    registerAuthorize(scope, deps);
    registerLogin(scope, deps);
    registerConsent(scope, deps);
    registerDevicePages(scope, deps);
    registerAccountPages(scope, deps);
    registerEndSession(scope, deps);
  });
}

/**
 * What the user-facing half adds to the server metadata (RFC 8414 §2, OpenID Discovery §3,
 * RFC 9207 §3, OIDC RP-Initiated Logout §2.1). Only what is implemented.
 */
export function interactionMetadata(issuer: string) {
  return {
    authorization_endpoint: issuer + INTERACTION_PATHS.authorize,
    end_session_endpoint: issuer + INTERACTION_PATHS.logout,
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'form_post'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    prompt_values_supported: ['none', 'login', 'consent'],
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    acr_values_supported: ['pwd', 'mfa'],
  };
}
