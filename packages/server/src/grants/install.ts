import type { FastifyInstance } from 'fastify';
import type { Storage } from '@tessera/store';
import type { SigningAlg } from '@tessera/token';
import type { AuthenticateClient } from '../client-auth/index.js';
import type { TokensConfig } from '../config/index.js';
import type { ResourceDpopCheck } from '../dpop/index.js';
import { deviceAuthorizationEndpoint } from '../endpoints/device-authorization.js';
import { PATHS } from '../endpoints/discovery.js';
import { registerUserinfo } from '../endpoints/userinfo.js';
import { registerPostEndpoint } from '../http/routes.js';
import { createIdTokenIssuer } from '../oidc/id-token.js';
import { createFamilies, type Families } from '../tokens/family.js';
import type { FindActiveToken } from '../tokens/inspect.js';
import type { KeySource } from '../tokens/key-source.js';
import { createRefreshTokenValues } from '../tokens/refresh-token.js';
import type { UserGrantServices } from './user-services.js';

/** The ID-token algorithms to keep keys for: the configured ones, RS256 always (OpenID Connect Core §15.1). */
export function idTokenAlgsOf(config: Pick<TokensConfig, 'idTokenAlgs'>): SigningAlg[] {
  return [...new Set<SigningAlg>(['RS256', ...config.idTokenAlgs])];
}

/**
 * Assemble what the user grants need (GrantDeps.user) and the family revocation the revocation
 * endpoint shares with them. Keys for every ID-token algorithm must be managed by `keys`.
 */
export function createUserGrants(deps: {
  issuer: string;
  config: TokensConfig;
  /** Upper bound of access-token lifetimes (ttl.accessTokenMax): how long revocation entries live. */
  accessTokenMax: number;
  storage: Pick<Storage, 'authorizationCodes' | 'deviceCodes' | 'tokens' | 'users' | 'grants' | 'revocations'>;
  keys: Pick<KeySource, 'signer'>;
  masterKey: Buffer;
  now: () => number;
  /** Where family revocations (replayed codes, reused refresh tokens) are reported. */
  log?: { warn(fields: object, message: string): void };
}): { services: UserGrantServices; families: Families; idTokenAlgs: SigningAlg[] } {
  const { config, storage, now } = deps;
  const refreshValues = createRefreshTokenValues(deps.masterKey);
  const families = createFamilies({
    tokens: storage.tokens,
    grants: storage.grants,
    revocations: storage.revocations,
    values: refreshValues,
    accessTokenMax: deps.accessTokenMax,
    now,
    ...(deps.log ? { log: deps.log } : {}),
  });
  const idTokenAlgs = idTokenAlgsOf(config);
  const services: UserGrantServices = {
    now,
    codes: storage.authorizationCodes,
    deviceCodes: storage.deviceCodes,
    tokens: storage.tokens,
    users: storage.users,
    grants: storage.grants,
    families,
    refreshValues,
    issueIdToken: createIdTokenIssuer({ issuer: deps.issuer, keys: deps.keys, algs: idTokenAlgs, ttl: config.idTokenTtl, now }),
    lifetimes: { refreshIdle: config.refreshIdle, refreshAbsolute: config.refreshAbsolute, refreshGrace: config.refreshGrace },
  };
  return { services, families, idTokenAlgs };
}

/** `/userinfo` (OpenID Connect Core §5.3) and `/device_authorization` (RFC 8628 §3.1). */
export function registerUserEndpoints(
  app: FastifyInstance,
  deps: {
    issuer: string;
    config: TokensConfig;
    storage: Pick<Storage, 'deviceCodes' | 'users'>;
    find: FindActiveToken;
    authenticate: AuthenticateClient;
    dpop?: ResourceDpopCheck;
    /** Offer the device endpoint only when the device grant is registered. */
    deviceFlow: boolean;
    now: () => number;
  },
): void {
  registerUserinfo(app, { path: PATHS.userinfo, realm: deps.issuer, find: deps.find, users: deps.storage.users, ...(deps.dpop ? { dpop: deps.dpop } : {}) });
  if (!deps.deviceFlow) return;
  registerPostEndpoint(
    app,
    deviceAuthorizationEndpoint({
      path: PATHS.deviceAuthorization,
      authenticate: deps.authenticate,
      deviceCodes: deps.storage.deviceCodes,
      verificationUri: deps.issuer + PATHS.device,
      ttl: deps.config.deviceCodeTtl,
      interval: deps.config.deviceInterval,
      now: deps.now,
    }),
  );
}
