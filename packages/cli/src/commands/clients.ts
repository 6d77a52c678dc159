import { readFile } from 'node:fs/promises';
import { CliError, JSON_FLAG, parse, STORAGE_FLAGS, str, UsageError, words, type Parsed } from '../args.js';
import type { Io } from '../io.js';
import { serverApi } from '../lazy.js';
import { json, table } from '../io.js';
import { readConfigFile, storeSettings } from '../settings.js';
import { withStore } from '../storage.js';

const STORAGE_HELP = `storage (same as tessera start): --data DIR (TESSERA_DATA_DIR, default ./data),
  --store sqlite|postgres (TESSERA_STORE), --database-url URL (TESSERA_DATABASE_URL),
  --config FILE (TESSERA_CONFIG: its store section)`;

export const CLIENTS_USAGE = `usage: tessera clients create --name NAME [--grant-types client_credentials|none|…] [--scope "a b"]
                              [--resource URL]… [--auth-method client_secret_basic|client_secret_post|
                              private_key_jwt|none] [--jwks-file FILE] [--redirect-uri URL]…
                              [--post-logout-redirect-uri URL]… [--backchannel-logout-uri URL
                              [--backchannel-logout-session-required]] [--id-token-alg RS256|ES256|EdDSA]
                              [--dpop-bound] [--json]
       tessera clients list [--json]
       tessera clients delete CLIENT_ID [--json]

create prints the client_id and the client_secret; the secret is shown ONCE (only its hash is stored).
A client with a secret gets client_credentials unless --grant-types says otherwise; --grant-types none
makes one that obtains no tokens, e.g. an API's own client that only introspects (RFC 7662).
private_key_jwt clients give their public keys (a JWK Set) in --jwks-file; none is a public client
(PKCE, no secret). Redirect and logout URIs use https (http only for 127.0.0.1 or [::1]).
${STORAGE_HELP}`;

const CREATE_FLAGS = {
  ...STORAGE_FLAGS,
  ...JSON_FLAG,
  name: { type: 'string' },
  'grant-types': { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  resource: { type: 'string', multiple: true },
  'auth-method': { type: 'string' },
  'jwks-file': { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  'backchannel-logout-uri': { type: 'string' },
  'backchannel-logout-session-required': { type: 'boolean' },
  'id-token-alg': { type: 'string' },
  'dpop-bound': { type: 'boolean' },
} as const;

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
type AuthMethod = (typeof AUTH_METHODS)[number];

/** OpenID Connect registration metadata from flags; validated (URIs, algorithm) by the admin API. */
function metadataFrom(values: Parsed['values']): Record<string, unknown> {
  const list = (name: string) => (Array.isArray(values[name]) ? (values[name] as string[]) : []);
  const metadata: Record<string, unknown> = {};
  if (list('post-logout-redirect-uri').length) metadata.post_logout_redirect_uris = list('post-logout-redirect-uri');
  const backchannel = str(values, 'backchannel-logout-uri', CLIENTS_USAGE);
  if (backchannel !== undefined) metadata.backchannel_logout_uri = backchannel;
  if (values['backchannel-logout-session-required'] === true) metadata.backchannel_logout_session_required = true;
  const alg = str(values, 'id-token-alg', CLIENTS_USAGE);
  if (alg !== undefined) metadata.id_token_signed_response_alg = alg;
  if (values['dpop-bound'] === true) metadata.dpop_bound_access_tokens = true;
  return metadata;
}

async function readJwks(file: string): Promise<{ keys: Record<string, unknown>[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read --jwks-file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return JSON.parse(text) as { keys: Record<string, unknown>[] };
  } catch {
    throw new CliError(`--jwks-file ${file} is not JSON (expected a JWK Set: {"keys":[…]})`);
  }
}

export async function clientsCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') return io.out(CLIENTS_USAGE), 0;
  if (sub === undefined) throw new UsageError('missing command (create, list or delete)', CLIENTS_USAGE);
  if (sub === 'create') return create(rest, io);
  if (sub === 'list') return list(rest, io);
  if (sub === 'delete') return remove(rest, io);
  throw new UsageError(`unknown clients command "${sub}"`, CLIENTS_USAGE);
}

async function create(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, CREATE_FLAGS, CLIENTS_USAGE);
  if (values.help) return io.out(CLIENTS_USAGE), 0;
  const name = str(values, 'name', CLIENTS_USAGE, true);
  const grantTypes = words(values, 'grant-types');
  const noGrants = values['grant-types'] !== undefined && (grantTypes.length === 0 || grantTypes.includes('none'));
  if (noGrants && grantTypes.length > 1) throw new UsageError('--grant-types none cannot be combined with a grant type', CLIENTS_USAGE);
  const authMethod = (str(values, 'auth-method', CLIENTS_USAGE) ?? 'client_secret_basic') as AuthMethod;
  if (!AUTH_METHODS.includes(authMethod)) {
    throw new UsageError(`--auth-method must be one of ${AUTH_METHODS.join(', ')}, not "${authMethod}"`, CLIENTS_USAGE);
  }
  const jwksFile = str(values, 'jwks-file', CLIENTS_USAGE);
  if ((authMethod === 'private_key_jwt') !== (jwksFile !== undefined)) {
    throw new UsageError('--jwks-file goes with (and only with) --auth-method private_key_jwt', CLIENTS_USAGE);
  }
  const common = {
    name,
    scopes: words(values, 'scope'),
    resources: words(values, 'resource'),
    redirectUris: Array.isArray(values['redirect-uri']) ? (values['redirect-uri'] as string[]) : [],
    metadata: metadataFrom(values),
  };
  const withSecret = authMethod === 'client_secret_basic' || authMethod === 'client_secret_post';
  // A public client gets no grant unless asked; a confidential one defaults to client_credentials.
  // An explicitly empty --grant-types means none, never the default.
  const grants = noGrants ? [] : grantTypes.length ? grantTypes : withSecret ? ['client_credentials'] : [];
  const jwks = jwksFile === undefined ? undefined : await readJwks(jwksFile);
  const server = await serverApi();
  const { client, clientSecret, offered } = await withStore(storeSettings(values, io.env, io.cwd), async (s) => {
    const admin = server.adminFor(s);
    const made = withSecret
      ? await admin.createClient({ ...common, grantTypes: grants, authMethod })
      : { client: await admin.createClientWithoutSecret({ ...common, grantTypes: grants, authMethod, ...(jwks !== undefined && { jwks }) }), clientSecret: undefined };
    const resources = await Promise.all(made.client.resources.map((id) => s.resources.get(id)));
    return { ...made, offered: new Set(resources.flatMap((r) => r?.scopes ?? [])) };
  });
  // A scope no resource of the client offers can never be granted to it (only the OpenID Connect ones
  // and offline_access need no resource): said now, not at the first token request.
  const unoffered = client.scopes.filter((scope) => !offered.has(scope) && scope !== 'offline_access' && !server.OIDC_SCOPES.includes(scope));
  if (unoffered.length > 0) {
    const one = unoffered.length === 1;
    const names = unoffered.map((scope) => `"${scope}"`).join(', ');
    io.err(`tessera: warning: ${one ? 'scope' : 'scopes'} ${names} ${one ? 'is' : 'are'} offered by none of the client's resources, so no token can carry ${one ? 'it' : 'them'} (see tessera resources list)`);
  }
  if (values.json) {
    io.out(
      json({
        client_id: client.clientId,
        ...(clientSecret !== undefined && { client_secret: clientSecret }),
        name: client.name,
        token_endpoint_auth_method: client.authMethods[0],
        grant_types: client.grantTypes,
        scope: client.scopes.join(' '),
        resources: client.resources,
        redirect_uris: client.redirectUris,
        ...client.metadata,
      }),
    );
    return 0;
  }
  io.out(`client_id:     ${client.clientId}`);
  io.out(`client_secret: ${clientSecret ?? '(none: public client)'}`);
  if (clientSecret) io.out('Store the secret now: it is shown only once (Tessera keeps only its SHA-256 hash).');
  return 0;
}

async function list(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { ...STORAGE_FLAGS, ...JSON_FLAG }, CLIENTS_USAGE);
  if (values.help) return io.out(CLIENTS_USAGE), 0;
  const clients = await withStore(storeSettings(values, io.env, io.cwd), (s) => s.clients.list());
  const rows = clients.map((c) => ({
    client_id: c.clientId,
    name: c.name,
    grant_types: c.grantTypes,
    scope: c.scopes.join(' '),
    resources: c.resources,
    disabled: c.disabled,
    created_at: c.createdAt.toISOString(),
  }));
  if (values.json) return io.out(json(rows)), 0;
  if (rows.length === 0) return io.out('no clients (create one: tessera clients create --name NAME --scope "…")'), 0;
  io.out(table(['CLIENT_ID', 'NAME', 'GRANT TYPES', 'SCOPE', 'RESOURCES'], rows.map((r) => [r.client_id, r.name, r.grant_types.join(','), r.scope, r.resources.join(',')])));
  return 0;
}

async function remove(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...STORAGE_FLAGS, ...JSON_FLAG }, CLIENTS_USAGE, { min: 1, max: 1, name: 'CLIENT_ID' });
  if (values.help) return io.out(CLIENTS_USAGE), 0;
  const clientId = positionals[0]!;
  const file = readConfigFile(values, io.env, io.cwd);
  const store = storeSettings(values, io.env, io.cwd, file);
  const deleted = await withStore(store, (s) => s.clients.delete(clientId));
  // Running nodes cache clients for operations.clientCacheTtl: tell them now.
  if (deleted && !(await (await serverApi()).announceChange(store, file, 'client', clientId))) {
    io.err('tessera: running servers could not be told at once; they stop accepting the client within operations.clientCacheTtl');
  }
  if (values.json) io.out(json({ client_id: clientId, deleted }));
  else io.out(deleted ? `deleted client ${clientId}` : `no client ${clientId}`);
  return deleted ? 0 : 1;
}
