import type { Versioned } from './common.js';

/** A protected API (resource server), identified by its resource indicator (RFC 8707) = token audience. */
export interface ResourceRecord extends Versioned {
  /** Absolute URI; becomes the `aud` of tokens issued for this resource. */
  id: string;
  name: string;
  /** `jwt`: RFC 9068 access tokens validated locally; `opaque`: reference tokens validated by introspection. */
  tokenFormat: 'jwt' | 'opaque';
  /** Access-token lifetime, seconds. */
  accessTokenTtl: number;
  /** Scopes this resource understands; a token for it carries only these. */
  scopes: string[];
  createdAt: Date;
  updatedAt: Date;
}

/** Resources, keyed by `id`. */
export interface ResourceStore {
  /** Insert. Rejects with {@link ConflictError} if `id` exists. */
  create(record: ResourceRecord): Promise<void>;
  get(id: string): Promise<ResourceRecord | undefined>;
  list(): Promise<ResourceRecord[]>;
  /** Replace; false when no such resource exists. */
  update(record: ResourceRecord): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}
