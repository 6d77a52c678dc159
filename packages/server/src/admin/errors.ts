import type { z } from 'zod';

/** One problem of a rejected admin request; `code` is a stable machine-readable reason where there is one (`username_taken`). */
export interface AdminIssue {
  path: string;
  message: string;
  code?: string;
}

/** A rejected admin request: `message` lists every problem; `issues` has them one by one. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    message: string,
    readonly issues: AdminIssue[] = [{ path: '', message }],
  ) {
    super(message);
  }

  static fromZod(what: string, error: z.ZodError): AdminError {
    const issues = error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    return new AdminError(`invalid ${what}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`, issues);
  }
}
