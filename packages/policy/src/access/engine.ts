import { cedar, formatCedarError } from './cedar.js';
import { DecisionCache } from './decision-cache.js';
import { loadPolicySet, releasePolicySet, type CompiledPolicySet } from './load.js';
import { requestShapeProblem } from './request-shape.js';
import { toCedarCall, type AccessRequest } from './request.js';
import { TESSERA_SCHEMA } from './schema.js';

/** The outcome of one access question. */
export interface AccessDecision {
  readonly decision: 'allow' | 'deny';
  /**
   * Stable codes: for a deny, the `@reason` of each determining forbid (`forbidden_by_policy` when it
   * has none), `not_permitted` when no permit matched, `policy_error` when a forbid could not be
   * evaluated, `policy_request_invalid` when Cedar refused the request; for an allow, the `@reason`s
   * of the determining permits, if any.
   */
  readonly reasons: readonly string[];
  /** Ids of the determining policies (for the decision log), in the order they appear in the text. */
  readonly policies: readonly string[];
  /** Cedar's evaluation messages, for operators only (never shown to the end user). */
  readonly errors: readonly string[];
}

/** Options of a {@link PolicyEngine}. */
export interface PolicyEngineOptions {
  /**
   * Also have Cedar validate every request (principal/resource types, context shape, entity
   * attributes) against the loaded schema. A structural check in JS that mirrors
   * {@link TESSERA_SCHEMA} always runs first, so with that schema Cedar's check adds cost (about as
   * much again as the evaluation, see the package README) and no safety. Default: off for
   * `TESSERA_SCHEMA`, on for any other schema.
   */
  readonly validateRequests?: boolean;
  /**
   * How many distinct requests' decisions to remember (least recently used first out); 0 turns the
   * cache off. Default 4096. Safe because evaluation is deterministic and the cache is keyed by the
   * exact Cedar call and emptied whenever the policy set changes (see `DecisionCache`).
   */
  readonly decisionCacheSize?: number;
}

/**
 * Holds the policy set in force and answers access questions with it. `reload` swaps in a new set
 * only after it loaded completely, in one assignment, so a broken policy never replaces a working one
 * and no evaluation ever sees a half-loaded set.
 *
 * @example
 * const engine = PolicyEngine.fromText(DEVICE_TRUST_POLICIES);
 * const { decision, reasons } = engine.decide({ action: 'token', user: { id: 'u1', groups: [] },
 *   client: { id: 'app' }, audience: 'payroll-api', scopes: ['read'], grantType: 'refresh_token', device });
 */
export class PolicyEngine {
  #current: CompiledPolicySet;
  readonly #validateRequests: boolean | undefined;
  readonly #cache: DecisionCache;

  constructor(initial: CompiledPolicySet, options: PolicyEngineOptions = {}) {
    this.#current = initial;
    this.#validateRequests = options.validateRequests;
    this.#cache = new DecisionCache(options.decisionCacheSize ?? 4096);
  }

  /** Loads `text` (and `schema`, default {@link TESSERA_SCHEMA}); throws {@link PolicyLoadError}. */
  static fromText(text: string, schema?: string, options?: PolicyEngineOptions): PolicyEngine {
    return new PolicyEngine(loadPolicySet(text, schema), options);
  }

  /** The policy set in force. */
  get current(): CompiledPolicySet {
    return this.#current;
  }

  /**
   * Loads a new policy text (against the current schema unless one is given) and puts it in force.
   * On any error throws {@link PolicyLoadError} and the previous set stays in force, untouched.
   */
  reload(text: string, schema: string = this.#current.schema): CompiledPolicySet {
    return this.install(loadPolicySet(text, schema));
  }

  /**
   * Puts an already loaded set in force and releases the one it replaces (a {@link CompiledPolicySet}
   * belongs to the one engine it is installed in; a released set denies everything).
   */
  install(next: CompiledPolicySet): CompiledPolicySet {
    const previous = this.#current;
    this.#current = next;
    this.#cache.clear();
    if (previous.cacheKey !== next.cacheKey) releasePolicySet(previous);
    return next;
  }

  /** Answers one access question. Never throws: anything Cedar cannot evaluate is a deny with a reason. */
  decide(request: AccessRequest): AccessDecision {
    const set = this.#current;
    const problem = requestShapeProblem(request);
    if (problem) return deny(['policy_request_invalid'], [], [problem]);
    let call: ReturnType<typeof toCedarCall>;
    let key: string;
    try {
      call = toCedarCall(request, set.cacheKey, this.#validateRequests ?? set.schema !== TESSERA_SCHEMA);
      key = JSON.stringify(call);
    } catch (error) {
      return deny(['policy_request_invalid'], [], [error instanceof Error ? error.message : String(error)]);
    }
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const decision = frozen(evaluate(set, call));
    this.#cache.set(key, decision);
    return decision;
  }

  /** Number of decisions currently remembered (for metrics). */
  get cachedDecisions(): number {
    return this.#cache.size;
  }
}

function evaluate(set: CompiledPolicySet, call: ReturnType<typeof toCedarCall>): AccessDecision {
  let answer: ReturnType<typeof cedar.statefulIsAuthorized>;
  try {
    answer = cedar.statefulIsAuthorized(call);
  } catch (error) {
    // cedar-wasm throws (rather than answering failure) on a request of the wrong shape.
    return deny(['policy_request_invalid'], [], [error instanceof Error ? error.message : String(error)]);
  }
  if (answer.type === 'failure') return deny(['policy_request_invalid'], [], answer.errors.map((e) => formatCedarError(e)));

  const { decision, diagnostics } = answer.response;
  const errors = diagnostics.errors.map((e) => formatCedarError(e.error, e.policyId));
  // Cedar skips a policy whose evaluation errors. For a permit that only narrows access; for a
  // forbid it would widen it, so an erroring forbid denies (fail closed).
  const brokenForbids = diagnostics.errors.map((e) => e.policyId).filter((id) => set.policies.get(id)?.effect === 'forbid');
  if (brokenForbids.length > 0) return deny(['policy_error'], inTextOrder(set, [...new Set(brokenForbids)]), errors);

  const determining = inTextOrder(set, diagnostics.reason);
  if (decision === 'allow') {
    const reasons = determining.flatMap((id) => set.policies.get(id)?.reason ?? []);
    return { decision: 'allow', reasons: [...new Set(reasons)], policies: determining, errors };
  }
  if (determining.length === 0) return deny(['not_permitted'], [], errors);
  const reasons = determining.map((id) => set.policies.get(id)?.reason ?? 'forbidden_by_policy');
  return deny([...new Set(reasons)], determining, errors);
}

// Cedar reports determining policies in no particular order; decision logs and tests want a stable one.
function inTextOrder(set: CompiledPolicySet, ids: readonly string[]): string[] {
  const order = [...set.policies.keys()];
  return [...ids].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

// Cached decisions are shared between callers; none of them may change one for the others.
function frozen(d: AccessDecision): AccessDecision {
  return Object.freeze({
    decision: d.decision,
    reasons: Object.freeze([...d.reasons]),
    policies: Object.freeze([...d.policies]),
    errors: Object.freeze([...d.errors]),
  });
}

function deny(reasons: string[], policies: string[], errors: string[]): AccessDecision {
  return { decision: 'deny', reasons, policies, errors };
}
