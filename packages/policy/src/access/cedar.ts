// The Node build of cedar-wasm loads its .wasm synchronously with `fs` at import time, so the engine is
// ready as soon as this module is; the ESM default build would need a bundler.
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { DetailedError } from '@cedar-policy/cedar-wasm/nodejs';

export { cedar };
export type { DetailedError };

/** One Cedar diagnostic as a single readable line: message, help, and where in the text. */
export function formatCedarError(error: DetailedError, policyId?: string): string {
  const where = error.sourceLocations?.[0];
  const parts = [policyId ? `policy ${policyId}: ${error.message}` : error.message];
  if (where?.label) parts.push(where.label);
  if (where) parts.push(`at offset ${where.start}`);
  if (error.help) parts.push(`help: ${error.help}`);
  return parts.join('; ');
}

/** The Cedar version in use, for `tessera doctor` and decision logs. */
export function cedarVersion(): string {
  return cedar.getCedarVersion();
}
