import type { AccessRequest } from './request.js';

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isStringArray = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isOptional = (v: unknown, test: (x: unknown) => boolean) => v === undefined || test(v);
const isBool = (v: unknown) => typeof v === 'boolean';

/**
 * A cheap structural check of an {@link AccessRequest} in plain JS, run before every evaluation. It
 * mirrors {@link TESSERA_SCHEMA}'s request shape so that even with `validateRequests: false` an
 * untyped caller cannot, say, ask about an action no policy mentions and slip through a broad
 * permit. Returns the first problem found, or `undefined`.
 */
export function requestShapeProblem(request: AccessRequest): string | undefined {
  const r = request as unknown as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null) return 'request must be an object';
  if (r.action !== 'authorize' && r.action !== 'token') return 'action must be "authorize" or "token"';
  const user = r.user as Record<string, unknown> | undefined;
  if (user !== undefined && (typeof user !== 'object' || user === null || !isString(user.id) || !isOptional(user.groups, isStringArray))) {
    return 'user must be { id: string, groups?: string[] }';
  }
  if (r.action === 'authorize' && user === undefined) return 'authorize needs a user';
  const client = r.client as Record<string, unknown> | undefined;
  if (typeof client !== 'object' || client === null || !isString(client.id)) return 'client must be { id: string }';
  if (!isString(r.audience)) return 'audience must be a non-empty string';
  if (!isStringArray(r.scopes)) return 'scopes must be an array of strings';
  if (!isString(r.grantType)) return 'grantType must be a non-empty string';
  if (!isOptional(r.acr, isString)) return 'acr must be a string when present';
  const device = r.device as Record<string, unknown> | undefined;
  if (device === undefined) return undefined;
  if (typeof device !== 'object' || device === null || !isString(device.id) || !isString(device.platform)) return 'device must have id and platform';
  if (!isBool(device.compliant) || !isBool(device.bound) || !isStringArray(device.reasons)) return 'device must have compliant, bound and reasons';
  for (const key of ['managed', 'jailbroken', 'diskEncrypted', 'passcodeCompliant'] as const) {
    if (!isOptional(device[key], isBool)) return `device.${key} must be a boolean when present`;
  }
  if (!isOptional(device.osVersion, (v) => typeof v === 'string')) return 'device.osVersion must be a string when present';
  return undefined;
}
