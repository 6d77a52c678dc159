import type { StatefulAuthorizationCall } from '@cedar-policy/cedar-wasm/nodejs';
import type { ComplianceResult } from '../compliance/evaluate.js';
import type { DeviceSignals } from '../compliance/signals.js';

/**
 * The device a request comes from, as policy sees it: the compliance verdict plus the raw signals
 * (absent = unknown). Build it with {@link devicePosture}.
 */
export interface DevicePosture {
  readonly id: string;
  readonly platform: string;
  readonly compliant: boolean;
  /** The token is DPoP-bound (RFC 9449) to a key registered for this device. */
  readonly bound: boolean;
  /** Compliance reason codes; empty when compliant. */
  readonly reasons: readonly string[];
  readonly managed?: boolean | undefined;
  readonly jailbroken?: boolean | undefined;
  readonly diskEncrypted?: boolean | undefined;
  readonly passcodeCompliant?: boolean | undefined;
  readonly osVersion?: string | undefined;
}

/**
 * One access question: may this principal, through this client, get a token (or pass the
 * authorization endpoint) for this API with these scopes, from this device?
 * The server asks one question per audience (RFC 8707 allows several resources per request).
 */
export interface AccessRequest {
  readonly action: 'authorize' | 'token';
  /** The signed-in user; absent for client_credentials, where the client is the principal. */
  readonly user?: { readonly id: string; readonly groups?: readonly string[] } | undefined;
  readonly client: { readonly id: string };
  /** The audience / resource indicator the token is for (RFC 8707); the Cedar resource `Api::"…"`. */
  readonly audience: string;
  readonly scopes: readonly string[];
  /** e.g. `authorization_code`, `refresh_token`, `client_credentials`, `urn:ietf:params:oauth:grant-type:device_code`. */
  readonly grantType: string;
  /** Authentication context class of the sign-in (OIDC Core §2), when there is one. */
  readonly acr?: string | undefined;
  readonly device?: DevicePosture | undefined;
}

/** Combines a device's signals, its compliance verdict and the binding state into a {@link DevicePosture}. */
export function devicePosture(signals: DeviceSignals, compliance: ComplianceResult, bound: boolean): DevicePosture {
  return {
    id: signals.deviceId,
    platform: signals.platform,
    compliant: compliance.compliant,
    bound,
    reasons: [...new Set(compliance.reasons.map((r) => r.code))],
    managed: signals.managed,
    jailbroken: signals.jailbroken,
    diskEncrypted: signals.diskEncrypted,
    passcodeCompliant: signals.passcodeCompliant,
    osVersion: signals.osVersion,
  };
}

const NS = 'Tessera';

/**
 * Maps a request onto a Cedar call. Only entities with attributes are sent (User, Device): Cedar's
 * request marshalling is the dominant cost of an evaluation, and entities without attributes need not
 * exist in the store to be compared by uid.
 */
export function toCedarCall(request: AccessRequest, cacheKey: string, validateRequest: boolean): StatefulAuthorizationCall {
  const principal = request.user ? { type: `${NS}::User`, id: request.user.id } : { type: `${NS}::Client`, id: request.client.id };
  const entities: StatefulAuthorizationCall['entities'] = [];
  if (request.user) entities.push({ uid: principal, attrs: { groups: [...(request.user.groups ?? [])] }, parents: [] });
  const context: StatefulAuthorizationCall['context'] = {
    client: { __entity: { type: `${NS}::Client`, id: request.client.id } },
    audience: request.audience,
    scopes: [...request.scopes],
    grantType: request.grantType,
  };
  if (request.acr !== undefined) context.acr = request.acr;
  if (request.device) {
    const device = request.device;
    const uid = { type: `${NS}::Device`, id: device.id };
    const attrs: Record<string, string | boolean | string[]> = {
      platform: device.platform,
      compliant: device.compliant,
      bound: device.bound,
      reasons: [...device.reasons],
    };
    for (const key of ['managed', 'jailbroken', 'diskEncrypted', 'passcodeCompliant', 'osVersion'] as const) {
      const value = device[key];
      if (value !== undefined) attrs[key] = value;
    }
    entities.push({ uid, attrs, parents: [] });
    context.device = { __entity: uid };
  }
  return {
    principal,
    action: { type: `${NS}::Action`, id: request.action },
    resource: { type: `${NS}::Api`, id: request.audience },
    context,
    entities,
    preparsedPolicySetId: cacheKey,
    ...(validateRequest ? { preparsedSchemaName: cacheKey, validateRequest: true } : { validateRequest: false }),
  };
}
