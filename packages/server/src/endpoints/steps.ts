/**
 * An endpoint is an ordered list of small named steps (STYLE A1). A step reads and fills the
 * endpoint's context and either returns nothing or a promise; the runner awaits only the steps that
 * actually went asynchronous, so a fully cached request runs without a single extra microtask.
 */
export type Step<C> = (ctx: C) => void | Promise<void>;

export function runSteps<C>(steps: readonly Step<C>[], ctx: C, from = 0): void | Promise<void> {
  for (let i = from; i < steps.length; i++) {
    const result = steps[i]!(ctx);
    if (result !== undefined) return result.then(() => runSteps(steps, ctx, i + 1));
  }
}
