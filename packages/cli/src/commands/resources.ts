import { JSON_FLAG, parse, STORAGE_FLAGS, str, UsageError, words } from '../args.js';
import { formatDuration, parseDuration } from '../duration.js';
import type { ResourceRecord } from '@tessera/store';
import type { Io } from '../io.js';
import { serverApi } from '../lazy.js';
import { json, table } from '../io.js';
import { readConfigFile, storeSettings } from '../settings.js';
import { withStore } from '../storage.js';

export const RESOURCES_USAGE = `usage: tessera resources create --id URL --format jwt|opaque [--scopes "a b"] [--ttl 10m]
                                [--name NAME] [--json]
       tessera resources list [--json]

A resource is an API: its id (an absolute URI, RFC 8707) becomes the "aud" of its tokens. jwt tokens
(RFC 9068) are checked locally by the API; opaque tokens by introspection (RFC 7662), and can be
revoked at once. --ttl is the access-token lifetime: seconds or 90s, 10m, 12h, 1d.
storage (same as tessera start): --data DIR, --store sqlite|postgres, --database-url URL, --config FILE`;

const CREATE_FLAGS = {
  ...STORAGE_FLAGS,
  ...JSON_FLAG,
  id: { type: 'string' },
  name: { type: 'string' },
  format: { type: 'string' },
  scopes: { type: 'string', multiple: true },
  ttl: { type: 'string' },
} as const;

export async function resourcesCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') return io.out(RESOURCES_USAGE), 0;
  if (sub === undefined) throw new UsageError('missing command (create or list)', RESOURCES_USAGE);
  if (sub === 'create') return create(rest, io);
  if (sub === 'list') return list(rest, io);
  throw new UsageError(`unknown resources command "${sub}"`, RESOURCES_USAGE);
}

async function create(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, CREATE_FLAGS, RESOURCES_USAGE);
  if (values.help) return io.out(RESOURCES_USAGE), 0;
  const id = str(values, 'id', RESOURCES_USAGE, true);
  const format = str(values, 'format', RESOURCES_USAGE, true);
  if (format !== 'jwt' && format !== 'opaque') throw new UsageError(`--format must be jwt or opaque, not "${format}"`, RESOURCES_USAGE);
  const ttlText = str(values, 'ttl', RESOURCES_USAGE);
  const ttl = ttlText === undefined ? undefined : parseDuration(ttlText);
  if (ttlText !== undefined && ttl === undefined) throw new UsageError(`--ttl "${ttlText}" is not a duration (e.g. 600, 10m, 1h)`, RESOURCES_USAGE);
  const name = str(values, 'name', RESOURCES_USAGE);
  const input = { id, tokenFormat: format, scopes: words(values, 'scopes'), ...(name ? { name } : {}), ...(ttl ? { ttl } : {}) } as const;
  // The file's ttl bounds apply to the resource as they would at the server.
  const file = readConfigFile(values, io.env, io.cwd);
  const resource = await withStore(storeSettings(values, io.env, io.cwd, file), async (s) => (await serverApi()).adminFor(s, file).createResource(input));
  const out = view(resource);
  if (values.json) return io.out(json(out)), 0;
  io.out(`created resource ${out.id}: ${out.format} access tokens, ttl ${formatDuration(out.ttl)}, scopes "${out.scopes.join(' ')}"`);
  return 0;
}


const view = (r: ResourceRecord) => ({ id: r.id, name: r.name, format: r.tokenFormat, ttl: r.accessTokenTtl, scopes: r.scopes, created_at: r.createdAt.toISOString() });

async function list(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { ...STORAGE_FLAGS, ...JSON_FLAG }, RESOURCES_USAGE);
  if (values.help) return io.out(RESOURCES_USAGE), 0;
  const rows = (await withStore(storeSettings(values, io.env, io.cwd), (s) => s.resources.list())).map(view);
  if (values.json) return io.out(json(rows)), 0;
  if (rows.length === 0) return io.out('no resources (create one: tessera resources create --id URL --format jwt --scopes "…")'), 0;
  io.out(table(['ID', 'FORMAT', 'TTL', 'SCOPES'], rows.map((r) => [r.id, r.format, formatDuration(r.ttl), r.scopes.join(' ')])));
  return 0;
}
