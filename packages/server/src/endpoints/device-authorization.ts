import { randomInt } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { ConflictError, type ClientRecord, type DeviceCodeStore } from '@tessera/store';
import { mintOpaque } from '@tessera/token';
import type { AuthenticateClient } from '../client-auth/index.js';
import { invalidScope, serverError, unauthorizedClient } from '../errors.js';
import { DEVICE_CODE_GRANT } from '../grants/device-code.js';
import { isScopeToken, selectResourceId } from '../grants/index.js';
import { JSON_NO_STORE_CORS } from '../http/headers.js';
import type { PostEndpoint } from '../http/routes.js';
import { authenticateClientStep, callerOf, rejectCredentialsInQuery, rejectRepeatedParams, type EndpointContext } from './context.js';
import type { Step } from './steps.js';

/** RFC 8628 §6.1: 20 consonants (no vowels, so no words), case-insensitive for the user. */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
/** 8 characters: 20^8 ≈ 2^34.6, enough with the expiry and the page's guessing throttle (RFC 8628 §5.1). */
export const USER_CODE_LENGTH = 8;

/** A fresh user code, normalised (what is stored and compared): 8 letters, no dash. */
export function newUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

/** How a user code is shown: `XXXX-XXXX` (RFC 8628 §6.1 suggests a separator for readability). */
export function displayUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

export interface DeviceAuthorizationContext extends EndpointContext {
  response?: Record<string, unknown>;
}

/** Scope of a device request: tokens of RFC 6749 §3.3, each allowed to the client; none means all it may have. */
function deviceScope(requested: string | undefined, client: ClientRecord): string[] {
  if (requested === undefined) return [...client.scopes];
  const scope: string[] = [];
  for (const s of requested.split(' ')) {
    if (s === '' || scope.includes(s)) continue;
    if (!isScopeToken(s)) throw invalidScope('scope contains characters outside RFC 6749 §3.3');
    if (!client.scopes.includes(s)) throw invalidScope(`scope "${s.slice(0, 64)}" is not allowed for this client`);
    scope.push(s);
  }
  return scope;
}

/** Live user codes must be unique; on the rare collision the store refuses and we draw again. */
const USER_CODE_ATTEMPTS = 5;

function createCode(deps: {
  deviceCodes: Pick<DeviceCodeStore, 'create'>;
  verificationUri: string;
  ttl: number;
  interval: number;
  now: () => number;
}): Step<DeviceAuthorizationContext> {
  return async function createCode(ctx) {
    const client = callerOf(ctx);
    if (!client.grantTypes.includes(DEVICE_CODE_GRANT)) throw unauthorizedClient('the client may not use the device flow');
    const scope = deviceScope(ctx.params.get('scope'), client);
    const resource = ctx.params.get('resource') === undefined && client.resources.length === 0 ? [] : [selectResourceId(ctx.params, client)];
    const createdAt = new Date(deps.now());
    const device = mintOpaque('device_code');
    for (let attempt = 0; attempt < USER_CODE_ATTEMPTS; attempt++) {
      const userCode = newUserCode();
      try {
        await deps.deviceCodes.create({
          v: 1,
          hash: device.hash,
          userCode,
          clientId: client.clientId,
          scope,
          resource,
          status: 'pending',
          userId: null,
          grantId: null,
          signIn: null,
          interval: deps.interval,
          lastPolledAt: null,
          createdAt,
          expiresAt: new Date(createdAt.getTime() + deps.ttl * 1000),
        });
      } catch (error) {
        if (error instanceof ConflictError) continue;
        throw error;
      }
      const shown = displayUserCode(userCode);
      ctx.response = {
        device_code: device.value,
        user_code: shown,
        verification_uri: deps.verificationUri,
        verification_uri_complete: `${deps.verificationUri}?user_code=${shown}`,
        expires_in: deps.ttl,
        interval: deps.interval,
      };
      return;
    }
    throw serverError(undefined, { detail: `no free user code after ${USER_CODE_ATTEMPTS} attempts` });
  };
}

/**
 * `POST /device_authorization` (RFC 8628 §3.1-3.2): the client authenticates as at the token endpoint
 * (a public client with `none`), must be registered for the device_code grant, and may ask for
 * `scope` and one `resource`. The answer names the user code, where to enter it, and how often to poll.
 */
export function deviceAuthorizationEndpoint(deps: {
  path: string;
  authenticate: AuthenticateClient;
  deviceCodes: Pick<DeviceCodeStore, 'create'>;
  /** Issuer + `/device` (H1's page). */
  verificationUri: string;
  ttl: number;
  interval: number;
  now: () => number;
}): PostEndpoint<DeviceAuthorizationContext> {
  return {
    path: deps.path,
    steps: [rejectCredentialsInQuery, rejectRepeatedParams, authenticateClientStep(deps.authenticate), createCode(deps)],
    context: (request, params) => ({ request, params, client: undefined }),
    respond(ctx: DeviceAuthorizationContext, reply: FastifyReply) {
      reply.code(200).headers(JSON_NO_STORE_CORS).send(JSON.stringify(ctx.response));
    },
  };
}
