import { JSON_FLAG, parse, STORAGE_FLAGS, str, UsageError, words } from '../args.js';
import type { Io } from '../io.js';
import { serverApi } from '../lazy.js';
import { json, table } from '../io.js';
import { storeSettings } from '../settings.js';
import { withStore } from '../storage.js';

const STORAGE_HELP = `storage (same as tessera start): --data DIR (TESSERA_DATA_DIR, default ./data),
  --store sqlite|postgres (TESSERA_STORE), --database-url URL (TESSERA_DATABASE_URL)`;

export const CLIENTS_USAGE = `usage: tessera clients create --name NAME [--grant-types client_credentials] [--scope "a b"]
                              [--resource URL]… [--auth-method client_secret_basic|client_secret_post] [--json]
       tessera clients list [--json]
       tessera clients delete CLIENT_ID [--json]

create prints the client_id and the client_secret; the secret is shown ONCE (only its hash is stored).
${STORAGE_HELP}`;

const CREATE_FLAGS = {
  ...STORAGE_FLAGS,
  ...JSON_FLAG,
  name: { type: 'string' },
  'grant-types': { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  resource: { type: 'string', multiple: true },
  'auth-method': { type: 'string' },
} as const;

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
  const authMethod = str(values, 'auth-method', CLIENTS_USAGE);
  if (authMethod && authMethod !== 'client_secret_basic' && authMethod !== 'client_secret_post') {
    throw new UsageError(`--auth-method must be client_secret_basic or client_secret_post, not "${authMethod}"`, CLIENTS_USAGE);
  }
  const input = {
    name,
    grantTypes: grantTypes.length ? grantTypes : ['client_credentials'],
    scopes: words(values, 'scope'),
    resources: words(values, 'resource'),
    ...(authMethod ? { authMethod: authMethod as 'client_secret_basic' } : {}),
  };
  const { client, clientSecret } = await withStore(storeSettings(values, io.env, io.cwd), async (s) => (await serverApi()).adminFor(s).createClient(input));
  if (values.json) {
    io.out(json({ client_id: client.clientId, client_secret: clientSecret, name: client.name, grant_types: client.grantTypes, scope: client.scopes.join(' '), resources: client.resources }));
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
  const { values, positionals } = parse(argv, { ...STORAGE_FLAGS, ...JSON_FLAG }, CLIENTS_USAGE, { min: 1, max: 1 });
  if (values.help) return io.out(CLIENTS_USAGE), 0;
  const clientId = positionals[0]!;
  const deleted = await withStore(storeSettings(values, io.env, io.cwd), (s) => s.clients.delete(clientId));
  if (values.json) io.out(json({ client_id: clientId, deleted }));
  else io.out(deleted ? `deleted client ${clientId}` : `no client ${clientId}`);
  return deleted ? 0 : 1;
}
