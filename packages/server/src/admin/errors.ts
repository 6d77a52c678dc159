import type { z } from 'zod';

/** A rejected admin request: `message` lists every problem; `issues` has them one by one. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [{ path: '', message }],
  ) {
    super(message);
  }

  static fromZod(what: string, error: z.ZodError): AdminError {
    const issues = error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    return new AdminError(`invalid ${what}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`, issues);
  }
}
