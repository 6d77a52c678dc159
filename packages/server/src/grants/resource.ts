import type { ClientRecord, ResourceRecord } from '@tessera/store';
import { invalidTarget } from '../errors.js';
import type { FormParams } from '../http/form.js';

/**
 * RFC 8707 §2: a resource indicator is an absolute URI without a fragment. Used for the error message
 * and by the admin API when registering a resource.
 */
export function isResourceIndicator(value: string): boolean {
  if (value.includes('#')) return false;
  try {
    const url = new URL(value);
    return url.protocol.length > 1 && value.length <= 2048;
  } catch {
    return false;
  }
}

/**
 * Pick the one resource (audience) of a token request. Exactly one `resource` is accepted: RFC 8707
 * lets a client ask for several, but a client_credentials token bound to one audience cannot be
 * replayed by one API against another (RFC 9700 §2.3), and the resource decides the token's format and
 * lifetime, which several resources could not agree on. Without `resource`, the client's first
 * registered resource is its default. Every refusal is `invalid_target` (RFC 8707 §2).
 */
export function selectResourceId(params: FormParams, client: ClientRecord): string {
  const requested = params.all('resource');
  if (requested.length > 1) throw invalidTarget('request exactly one resource per token');
  const id = requested[0];
  if (id === undefined) {
    const fallback = client.resources[0];
    if (fallback === undefined) throw invalidTarget('no resource requested and the client has no default resource');
    return fallback;
  }
  if (client.resources.includes(id)) return id;
  if (!isResourceIndicator(id)) throw invalidTarget('resource must be an absolute URI without a fragment (RFC 8707 §2)');
  throw invalidTarget('the client may not request tokens for this resource');
}

/** The registered resource, or `invalid_target` when it no longer exists. */
export function requireResource(resource: ResourceRecord | undefined): ResourceRecord {
  if (resource === undefined) throw invalidTarget('the resource is not registered');
  return resource;
}
