import { randomUUID } from 'node:crypto';
import { cedar, formatCedarError } from './cedar.js';
import { PolicyLoadError } from './errors.js';
import { TESSERA_SCHEMA } from './schema.js';

/** One policy of a loaded set, as the decision log needs it. */
export interface PolicyInfo {
  readonly id: string;
  readonly effect: 'permit' | 'forbid';
  /** The `@reason` annotation: the stable code a matching forbid contributes to a deny. */
  readonly reason?: string;
}

/**
 * A policy set that parsed, passed strict validation against its schema and is preparsed in Cedar's
 * cache under {@link CompiledPolicySet.cacheKey}. Produced by {@link loadPolicySet}; evaluated through
 * a {@link PolicyEngine}.
 */
export interface CompiledPolicySet {
  /** @internal Cedar cache key of the preparsed policies and schema (unique per load). */
  readonly cacheKey: string;
  readonly text: string;
  readonly schema: string;
  readonly policies: ReadonlyMap<string, PolicyInfo>;
  /** Cedar validator warnings (the set still loaded). */
  readonly warnings: readonly string[];
}

// Ids are what decision logs and admins refer to; keep them plain. Reasons are codes, snake_case like
// every other code in Tessera (RFC 6749 error codes, compliance reasons).
const POLICY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const REASON_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Parses, checks and preparses a Cedar policy set:
 * 1. the schema parses;
 * 2. the policy text parses (no templates);
 * 3. every policy has a unique, plain `@id` and any `@reason` is a snake_case code;
 * 4. strict validation against the schema passes;
 * 5. the set and schema are preparsed once into Cedar's cache under a fresh key.
 *
 * Pure with respect to any policy already in force: nothing is replaced here (see
 * {@link PolicyEngine.reload}). Throws {@link PolicyLoadError} with Cedar's messages.
 *
 * @param text Cedar policy text, e.g. {@link DEFAULT_POLICIES}.
 * @param schema Cedar schema text; defaults to {@link TESSERA_SCHEMA}.
 */
export function loadPolicySet(text: string, schema: string = TESSERA_SCHEMA): CompiledPolicySet {
  if (typeof text !== 'string') throw new PolicyLoadError('syntax', ['policy text must be a string']);
  const schemaCheck = cedar.checkParseSchema(schema);
  if (schemaCheck.type === 'failure') throw new PolicyLoadError('schema', schemaCheck.errors.map((e) => formatCedarError(e)));

  const parts = cedar.policySetTextToParts(text);
  if (parts.type === 'failure') throw new PolicyLoadError('syntax', parts.errors.map((e) => formatCedarError(e)));
  if (parts.policy_templates.length > 0) throw new PolicyLoadError('syntax', ['policy templates are not supported; write static policies']);

  const { byId, infos } = readAnnotations(parts.policies);

  const validation = cedar.validate({ schema, policies: { staticPolicies: byId }, validationSettings: { mode: 'strict' } });
  if (validation.type === 'failure') throw new PolicyLoadError('validation', validation.errors.map((e) => formatCedarError(e)));
  if (validation.validationErrors.length > 0) {
    throw new PolicyLoadError('validation', validation.validationErrors.map((v) => formatCedarError(v.error, v.policyId)));
  }
  const warnings = [
    ...validation.validationWarnings.map((v) => formatCedarError(v.error, v.policyId)),
    ...validation.otherWarnings.map((e) => formatCedarError(e)),
  ];

  const cacheKey = `tessera-${randomUUID()}`;
  const schemaParse = cedar.preparseSchema(cacheKey, schema);
  if (schemaParse.type === 'failure') throw new PolicyLoadError('schema', schemaParse.errors.map((e) => formatCedarError(e)));
  const setParse = cedar.preparsePolicySet(cacheKey, { staticPolicies: byId });
  if (setParse.type === 'failure') throw new PolicyLoadError('syntax', setParse.errors.map((e) => formatCedarError(e)));

  return Object.freeze({ cacheKey, text, schema, policies: infos, warnings });
}

/**
 * Overwrites a replaced set's cache entries with empty ones so repeated reloads do not grow Cedar's
 * cache. An evaluation against a released set finds no permit and denies (fails closed).
 */
export function releasePolicySet(set: CompiledPolicySet): void {
  cedar.preparsePolicySet(set.cacheKey, { staticPolicies: {} });
  cedar.preparseSchema(set.cacheKey, '');
}

function readAnnotations(policies: readonly string[]): { byId: Record<string, string>; infos: Map<string, PolicyInfo> } {
  const byId: Record<string, string> = {};
  const infos = new Map<string, PolicyInfo>();
  const problems: string[] = [];
  policies.forEach((policy, index) => {
    const json = cedar.policyToJson(policy);
    if (json.type === 'failure') {
      problems.push(...json.errors.map((e) => formatCedarError(e)));
      return;
    }
    const { id, reason } = json.json.annotations ?? {};
    const label = `policy #${index + 1}`;
    if (id === undefined || !POLICY_ID.test(id)) problems.push(`${label}: needs @id("…") of letters, digits and . _ : -`);
    else if (infos.has(id)) problems.push(`${label}: duplicate @id("${id}")`);
    if (reason !== undefined && !REASON_CODE.test(reason)) problems.push(`${label}: @reason must be a snake_case code, got "${reason}"`);
    if (id === undefined || !POLICY_ID.test(id) || infos.has(id)) return;
    byId[id] = policy;
    infos.set(id, { id, effect: json.json.effect, ...(reason === undefined ? {} : { reason }) });
  });
  if (problems.length > 0) throw new PolicyLoadError('annotations', problems);
  return { byId, infos };
}
