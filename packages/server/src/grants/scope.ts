import type { ClientRecord, ResourceRecord } from '@tessera/store';
import { invalidScope } from '../errors.js';

/** scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) (RFC 6749 §3.3). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function isScopeToken(value: string): boolean {
  return SCOPE_TOKEN.test(value);
}

/**
 * The scope to grant: what the client may ask for AND the resource understands. No `scope` parameter
 * means everything allowed (RFC 6749 §3.3 lets the server apply a default); asking for any scope
 * outside that set fails the whole request with `invalid_scope` rather than silently narrowing it,
 * so a misconfigured client notices at once.
 */
export function grantScope(requested: string | undefined, client: ClientRecord, resource: ResourceRecord): string[] {
  const allowed = client.scopes.filter((scope) => resource.scopes.includes(scope));
  if (requested === undefined) return allowed;
  const granted: string[] = [];
  for (const scope of requested.split(' ')) {
    if (scope === '' || granted.includes(scope)) continue;
    if (!SCOPE_TOKEN.test(scope)) throw invalidScope('scope contains characters outside RFC 6749 §3.3');
    if (!allowed.includes(scope)) throw invalidScope(`scope "${scope}" is not allowed for this client and resource`);
    granted.push(scope);
  }
  return granted;
}
