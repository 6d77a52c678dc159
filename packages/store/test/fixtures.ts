import { randomUUID } from 'node:crypto';
import type {
  AuthorizationCodeRecord,
  ClientRecord,
  DeviceCodeRecord,
  DeviceSignIn,
  GrantRecord,
  ResourceRecord,
  RevocationRecord,
  SessionRecord,
  SigningKeyRecord,
  TokenRecord,
  UserRecord,
} from '../src/index.js';

/** A frozen instant all fixtures are relative to; ms precision on purpose (Date round-trip tests). */
export const T0 = new Date('2030-01-01T00:00:00.123Z');

/** `T0` plus `ms`. */
export const at = (ms: number): Date => new Date(T0.getTime() + ms);

export function client(overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    v: 1,
    clientId: `c_${randomUUID()}`,
    name: 'Billing service',
    secretHash: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg',
    authMethods: ['client_secret_basic', 'client_secret_post'],
    grantTypes: ['client_credentials'],
    scopes: ['invoices:read', 'invoices:write'],
    resources: ['https://api.example.com/billing'],
    redirectUris: [],
    jwks: null,
    metadata: {},
    disabled: false,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function resource(overrides: Partial<ResourceRecord> = {}): ResourceRecord {
  return {
    v: 1,
    id: `https://api.example.com/${randomUUID()}`,
    name: 'Billing API',
    tokenFormat: 'jwt',
    accessTokenTtl: 600,
    scopes: ['invoices:read'],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function token(overrides: Partial<TokenRecord> = {}): TokenRecord {
  return {
    v: 1,
    hash: randomUUID().replaceAll('-', '') + 'Ab_-',
    kind: 'access_token',
    jti: randomUUID(),
    clientId: 'c_1',
    subject: 'c_1',
    audience: ['https://api.example.com/billing'],
    scope: ['invoices:read'],
    grantId: null,
    jkt: null,
    deviceId: null,
    sessionId: null,
    claims: {},
    issuedAt: T0,
    expiresAt: at(600_000),
    revokedAt: null,
    rotatedAt: null,
    successorHash: null,
    ...overrides,
  };
}

export function revocation(overrides: Partial<RevocationRecord> = {}): RevocationRecord {
  return {
    jti: randomUUID(),
    clientId: 'c_1',
    expiresAt: at(600_000),
    revokedAt: at(1_000),
    reason: 'client_request',
    ...overrides,
  };
}

export function signingKey(overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  const kid = randomUUID();
  return {
    v: 1,
    kid,
    alg: 'EdDSA',
    state: 'next',
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid, alg: 'EdDSA', use: 'sig' },
    encryptedPrivateKey: 'v1.aes256gcm.bm9uY2U.Y2lwaGVydGV4dA.dGFn',
    createdAt: T0,
    activatesAt: at(3_600_000),
    retiredAt: null,
    removeAfter: null,
    ...overrides,
  };
}

export function user(overrides: Partial<UserRecord> = {}): UserRecord {
  const id = randomUUID();
  return {
    v: 1,
    id,
    username: `user-${id}`,
    email: 'zoë@example.com',
    emailVerified: false,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
    totp: null,
    status: 'active',
    groups: ['staff'],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function session(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    v: 1,
    idHash: randomUUID().replaceAll('-', ''),
    sid: randomUUID(),
    userId: 'u1',
    createdAt: T0,
    lastSeenAt: T0,
    expiresAt: at(86_400_000),
    idleTimeoutSeconds: 1800,
    amr: ['pwd', 'otp'],
    acr: null,
    authTime: T0,
    revokedAt: null,
    ...overrides,
  };
}

export function authorizationCode(overrides: Partial<AuthorizationCodeRecord> = {}): AuthorizationCodeRecord {
  return {
    v: 1,
    hash: randomUUID().replaceAll('-', '') + 'Cd_-',
    clientId: 'c_web',
    userId: 'u1',
    sessionId: 'sid-1',
    redirectUri: 'https://app.example.com/cb',
    scope: ['openid', 'profile'],
    resource: ['https://api.example.com/billing'],
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    codeChallengeMethod: 'S256',
    nonce: 'n-0S6_WzA2Mj',
    authTime: T0,
    acr: null,
    amr: ['pwd', 'otp'],
    claims: { userinfo: { email: { essential: true } } },
    dpopJkt: null,
    grantId: `g_${randomUUID()}`,
    issuedAt: T0,
    expiresAt: at(60_000),
    consumedAt: null,
    ...overrides,
  };
}

export function grant(overrides: Partial<GrantRecord> = {}): GrantRecord {
  return {
    v: 1,
    id: `g_${randomUUID()}`,
    userId: 'u1',
    clientId: 'c_web',
    scope: ['openid', 'offline_access'],
    resources: ['https://api.example.com/billing'],
    createdAt: T0,
    updatedAt: T0,
    revokedAt: null,
    ...overrides,
  };
}

let userCodes = 0;

/** The approving session of a device code, as the verification page records it. */
export function deviceSignIn(overrides: Partial<DeviceSignIn> = {}): DeviceSignIn {
  return { sessionId: 'sid-approver', authTime: at(-60_000), acr: 'urn:tessera:acr:mfa', amr: ['pwd', 'otp'], ...overrides };
}

export function deviceCode(overrides: Partial<DeviceCodeRecord> = {}): DeviceCodeRecord {
  return {
    v: 1,
    hash: randomUUID().replaceAll('-', '') + 'Dv_-',
    userCode: `WDJB${String(userCodes++).padStart(4, '0')}`,
    clientId: 'c_tv',
    scope: ['openid'],
    resource: [],
    status: 'pending',
    userId: null,
    grantId: null,
    signIn: null,
    interval: 5,
    lastPolledAt: null,
    createdAt: T0,
    expiresAt: at(600_000),
    ...overrides,
  };
}
