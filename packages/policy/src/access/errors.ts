/** Which stage refused the policy set. */
export type PolicyLoadStage = 'schema' | 'syntax' | 'annotations' | 'validation';

/**
 * A policy set (or its schema) that cannot be used. Carries Cedar's own messages, one line each, so
 * the operator sees exactly what Cedar objected to; the policy in force is unaffected.
 */
export class PolicyLoadError extends Error {
  constructor(
    readonly stage: PolicyLoadStage,
    readonly messages: readonly string[],
  ) {
    super(`policy set refused (${stage}): ${messages.join(' | ')}`);
    this.name = 'PolicyLoadError';
  }
}
