import { randomBytes } from 'node:crypto';
import { ConflictError, type ClientRecord, type ResourceRecord, type Storage } from '@tessera/store';
import { hashSecret, mintOpaque } from '@tessera/token';
import { builtinGrants } from '../grants/index.js';
import { AdminError } from './errors.js';
import { createDeviceAdmin, type DeviceAdmin, type DeviceAdminOptions } from './devices.js';
import { createUserAdmin, type UserAdmin, type UserAdminOptions } from './users.js';
import {
  clientInputSchema,
  resourceInputSchema,
  type CreateClientInput,
  type CreateClientWithoutSecretInput,
  type CreateResourceInput,
} from './schemas.js';

export { AdminError, type AdminIssue } from './errors.js';
export { createDeviceAdmin, type DeviceAdmin, type DeviceAdminOptions, type DeviceTokenView } from './devices.js';
export { ID_TOKEN_ALGS, type CreateClientInput, type CreateClientWithoutSecretInput, type CreateResourceInput, type OidcClientMetadata } from './schemas.js';
export { createUserAdmin, viewUser, type CreateUserAdminInput, type Revoked, type UserAdmin, type UserAdminOptions, type UserView } from './users.js';

/** Options of {@link createAdmin}. All optional; the defaults match the server's. */
export interface AdminOptions {
  /** Clock, epoch ms. */
  now?: () => number;
  /** Access-token lifetime default and upper bound for resources, seconds. */
  ttl?: { accessTokenDefault: number; accessTokenMax: number };
  /** Grant types a client may be registered for; defaults to the built-in grants. */
  grantTypes?: readonly string[];
  /** Told after every change, so a running server can drop cached records at once. */
  onChange?: (kind: 'client' | 'resource', id: string) => void;
  /** User management: argon2 hasher, password policy, master key (for TOTP) and the event bus. */
  accounts?: Omit<UserAdminOptions, 'now'>;
  /** Device management: the server passes its registry (see {@link DeviceAdminOptions}). */
  devices?: DeviceAdminOptions;
}

/** A new client and its secret; the secret is returned here once and never again. */
export interface CreatedClient {
  client: ClientRecord;
  clientSecret: string;
}

/** Managing clients and resources, without HTTP: used by the CLI and (later) the admin API. */
export interface Admin {
  /** Register a confidential client; its 256-bit secret is generated here and only its SHA-256 is stored. */
  createClient(input: CreateClientInput): Promise<CreatedClient>;
  /**
   * Register a client that has no secret: `private_key_jwt` (its public keys in `jwks`, RFC 7523) or
   * `none` (a public client, RFC 6749 §2.1, which may never use `client_credentials`).
   */
  createClientWithoutSecret(input: CreateClientWithoutSecretInput): Promise<ClientRecord>;
  listClients(): Promise<ClientRecord[]>;
  getClient(clientId: string): Promise<ClientRecord | undefined>;
  /** Enable or disable a client; disabled clients fail authentication. */
  setClientDisabled(clientId: string, disabled: boolean): Promise<boolean>;
  deleteClient(clientId: string): Promise<boolean>;
  /** Register a protected API; `ttl` is seconds or a duration such as `"10m"`. */
  createResource(input: CreateResourceInput): Promise<ResourceRecord>;
  listResources(): Promise<ResourceRecord[]>;
  deleteResource(id: string): Promise<boolean>;
  /** The people who sign in: create, disable (revoking sessions and tokens), passwords, groups, TOTP. */
  readonly users: UserAdmin;
  /** Devices: enrolment with public keys, posture, compliance with reasons, history (issue 5). */
  readonly devices: DeviceAdmin;
}

/**
 * Build the admin operations over a storage. Every input is validated with a clear message
 * (unknown grant type, bad URI, scope syntax, ttl bounds, unregistered resource) and rejected with
 * {@link AdminError}.
 */
export function createAdmin(
  storage: Pick<Storage, 'clients' | 'resources' | 'users' | 'sessions' | 'tokens' | 'devices'>,
  options: AdminOptions = {},
): Admin {
  const now = options.now ?? Date.now;
  const ttl = options.ttl ?? { accessTokenDefault: 3600, accessTokenMax: 86_400 };
  const clientSchema = clientInputSchema(options.grantTypes ?? builtinGrants.map((g) => g.grantType));
  const resourceSchema = resourceInputSchema(ttl);
  const changed = options.onChange ?? (() => undefined);

  /** Validate and store a client; `withSecret` says which of the two admin operations is asking. */
  async function register(input: unknown, withSecret: boolean): Promise<CreatedClient | ClientRecord> {
    const parsed = clientSchema.safeParse(input);
    if (!parsed.success) throw AdminError.fromZod('client', parsed.error);
    const spec = parsed.data;
    const usesSecret = spec.authMethod === 'client_secret_basic' || spec.authMethod === 'client_secret_post';
    if (usesSecret !== withSecret) {
      throw new AdminError(
        withSecret
          ? `authMethod ${spec.authMethod} has no client secret: use createClientWithoutSecret`
          : `authMethod ${spec.authMethod} uses a client secret: use createClient`,
      );
    }
    for (const id of spec.resources) {
      if ((await storage.resources.get(id)) === undefined) {
        throw new AdminError(`resource "${id}" is not registered; create it first (tessera resources create --id ${id})`);
      }
    }
    const secret = usesSecret ? mintOpaque('client_secret') : undefined;
    const at = new Date(now());
    const client: ClientRecord = {
      v: 1,
      // Not a secret: 128 random bits keep ids unguessable enough to spare the cache from scanning.
      clientId: `cl_${randomBytes(16).toString('base64url')}`,
      name: spec.name,
      secretHash: secret === undefined ? null : hashSecret(secret.value),
      authMethods: [spec.authMethod],
      // A public client gets no grant by default: client_credentials is for confidential clients only.
      grantTypes: [...new Set(spec.grantTypes ?? (spec.authMethod === 'none' ? [] : ['client_credentials']))],
      scopes: [...new Set(spec.scopes)],
      resources: [...new Set(spec.resources)],
      redirectUris: spec.redirectUris,
      jwks: spec.jwks === undefined ? null : structuredClone(spec.jwks),
      metadata: structuredClone(spec.metadata),
      disabled: false,
      createdAt: at,
      updatedAt: at,
    };
    await storage.clients.create(client);
    changed('client', client.clientId);
    return secret === undefined ? client : { client, clientSecret: secret.value };
  }

  // Built on first use: the argon2 hasher it creates costs a hash, which client-only callers need not pay.
  let users: UserAdmin | undefined;
  let devices: DeviceAdmin | undefined;
  return {
    get devices() {
      return (devices ??= createDeviceAdmin(storage, now, options.devices));
    },
    get users() {
      return (users ??= createUserAdmin(storage, { ...options.accounts, now }));
    },
    createClient: (input) => register(input, true) as Promise<CreatedClient>,
    createClientWithoutSecret: (input) => register(input, false) as Promise<ClientRecord>,

    listClients: () => storage.clients.list(),
    getClient: (clientId) => storage.clients.get(clientId),

    async setClientDisabled(clientId, disabled) {
      const client = await storage.clients.get(clientId);
      if (client === undefined) return false;
      const ok = await storage.clients.update({ ...client, disabled, updatedAt: new Date(now()) });
      changed('client', clientId);
      return ok;
    },

    async deleteClient(clientId) {
      const deleted = await storage.clients.delete(clientId);
      changed('client', clientId);
      return deleted;
    },

    async createResource(input) {
      const parsed = resourceSchema.safeParse(input);
      if (!parsed.success) throw AdminError.fromZod('resource', parsed.error);
      const spec = parsed.data;
      const at = new Date(now());
      const resource: ResourceRecord = {
        v: 1,
        id: spec.id,
        name: spec.name ?? spec.id,
        tokenFormat: spec.tokenFormat,
        accessTokenTtl: spec.ttl,
        scopes: [...new Set(spec.scopes)],
        createdAt: at,
        updatedAt: at,
      };
      try {
        await storage.resources.create(resource);
      } catch (error) {
        if (error instanceof ConflictError) {
          const message = `resource "${spec.id}" already exists`;
          throw new AdminError(message, [{ path: 'id', message, code: 'conflict' }]);
        }
        throw error;
      }
      changed('resource', resource.id);
      return resource;
    },

    listResources: () => storage.resources.list(),

    async deleteResource(id) {
      const deleted = await storage.resources.delete(id);
      changed('resource', id);
      return deleted;
    },
  };
}
