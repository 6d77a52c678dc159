// The one file that knows how @tessera/server is assembled, so the commands stay about the command line.
import { configSchema, createAdmin, createEventBus, createTessera, startBackchannelLogout } from '@tessera/server';
export { OIDC_SCOPES } from '@tessera/server';
import type { Admin, DeliveryResult, Tessera, TesseraConfigInput, UserAdmin } from '@tessera/server';
import { defaultFanoutConfig, openFanout, type Storage } from '@tessera/store';
import { ConfigFileError } from './args.js';
import type { ConfigFile, StartSettings, StoreSettings } from './settings.js';
import { formatPath, unknownSettings } from './unknown-settings.js';

/**
 * The admin operations (clients, resources) over an open store, with the access-token lifetime bounds
 * (`ttl`) of the config file a server is started with, or the defaults.
 */
export function adminFor(storage: Storage, file?: ConfigFile): Admin {
  const ttl = configSchema.shape.ttl.safeParse(file?.input.ttl);
  if (!ttl.success) {
    const problems = ttl.error.issues.map((i) => `  ${formatPath(['ttl', ...i.path])}: ${i.message}`);
    throw new ConfigFileError(`invalid settings in config file ${file!.path}:\n${problems.join('\n')}`);
  }
  return createAdmin(storage, { ttl: ttl.data });
}

/** User management over an open store; TOTP operations need the master key that seals the secrets. */
export const userAdminFor = (storage: Storage, masterKey?: Buffer): UserAdmin =>
  createAdmin(storage, { accounts: masterKey === undefined ? {} : { masterKey } }).users;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The server config from the settings: the config file's sections (with TESSERA_ACCESS_TOKEN_ALG), then
 * over them the settings resolved from flags and environment (listener, issuer, store, devices, policy).
 */
function configInput(s: StartSettings, masterKey: Buffer, logLevel = s.logLevel): TesseraConfigInput {
  const file = s.config ?? {};
  const section = (name: string) => (isObject(file[name]) ? file[name] : {});
  return {
    ...file,
    issuer: s.issuer,
    dev: s.dev,
    server: { ...section('server'), host: s.host, port: s.port, logLevel: logLevel as 'info' },
    // Informational: the storage is opened by the CLI and passed in (it closes it, too).
    store: s.store.kind === 'sqlite' ? { kind: 'sqlite', filename: s.store.filename } : { kind: 'postgres', url: s.store.url, ...(s.store.schema !== undefined && { schema: s.store.schema }) },
    keys: { ...section('keys'), masterKey },
    ...(s.devices !== undefined && { devices: s.devices as TesseraConfigInput['devices'] }),
    ...(s.policy !== undefined && { policy: s.policy as TesseraConfigInput['policy'] }),
  } as TesseraConfigInput;
}

/**
 * Validate the settings of a config file against the server's schema before anything is opened: every
 * unknown key and every invalid value, each named by its path, in one {@link ConfigFileError} (exit 2).
 * Messages are the schema's, which name the expectation and not the value, so secrets stay out of them.
 * Without a config file the server validates at start as it always did.
 */
export function checkConfig(s: StartSettings): void {
  if (s.configFile === undefined) return;
  const problems = unknownSettings(configSchema, s.config).map((path) => `${path}: unknown setting (see the configuration reference in packages/server/README.md)`);
  // The master key is loaded later, from its own sources; any 32 bytes stand in for it here.
  const result = configSchema.safeParse(configInput(s, Buffer.alloc(32)));
  for (const issue of result.success ? [] : result.error.issues) {
    // A bad record key (e.g. a UEM source name) carries its reason one level down.
    const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    problems.push(`${formatPath(issue.path) || '(top level)'}: ${message}`);
  }
  if (problems.length > 0) throw new ConfigFileError(`invalid settings in config file ${s.configFile}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
}

/** A listening server; `close()` stops accepting and drains, the caller then closes the storage. */
export async function startTessera(storage: Storage, s: StartSettings, masterKey: Buffer): Promise<{ url: string; close(): Promise<void> }> {
  const tessera = await createTessera({ config: configInput(s, masterKey), storage });
  try {
    const url = await tessera.listen();
    return { url, close: () => tessera.close() };
  } catch (err) {
    await tessera.close();
    throw err;
  }
}

/**
 * Force a key rotation through the same key manager, algorithms and rotation policy a server started
 * with these settings uses, so the rules for key states live in one place. Logs are silenced: the
 * command prints the resulting key list (possibly as JSON).
 */
export async function rotateKeys(storage: Storage, s: StartSettings, masterKey: Buffer, opts: { immediate: boolean }): Promise<void> {
  checkConfig(s);
  const tessera = await createTessera({ config: configInput(s, masterKey, 'silent'), storage });
  try {
    await tessera.keys.rotate({ immediate: opts.immediate });
  } finally {
    await tessera.close();
  }
}

/**
 * Run `fn` on the device registry of a Tessera on this store (not listening), so deleting a device
 * reacts as on a running server: continuous access evaluation revokes the tokens bound to it, sets
 * its cut-off and queues the CAEP event for SSF receivers (which running nodes deliver).
 */
export async function withServerDevices<T>(storage: Storage, s: StartSettings, masterKey: Buffer, fn: (devices: Pick<Tessera['devices'], 'delete'>) => Promise<T>): Promise<T> {
  checkConfig(s);
  const tessera = await createTessera({ config: configInput(s, masterKey, 'silent'), storage });
  try {
    return await fn(tessera.devices);
  } finally {
    await tessera.close();
  }
}

/**
 * Run `fn` on user management wired like a running server's: through a Tessera on this store (its
 * signing keys, its issuer), so ending sessions (disable, set-password) sends back-channel logout to
 * the clients that registered for it. Resolves once every logout token was delivered or given up.
 */
export async function withServerUsers<T>(storage: Storage, s: StartSettings, masterKey: Buffer, fn: (users: UserAdmin) => Promise<T>): Promise<{ value: T; logout: DeliveryResult[] }> {
  checkConfig(s);
  const tessera = await createTessera({ config: configInput(s, masterKey, 'silent'), storage });
  const results: DeliveryResult[] = [];
  const events = createEventBus(() => undefined);
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const logout = startBackchannelLogout({ issuer: tessera.config.issuer, storage, keys: tessera.keys, events, log: quiet, onResult: (r) => void results.push(r) });
  try {
    const users = createAdmin(storage, { accounts: { masterKey, events } }).users;
    const value = await fn(users);
    await logout.idle();
    return { value, logout: results };
  } finally {
    logout.close();
    await tessera.close();
  }
}

/**
 * Tell running nodes that a client or resource changed, on the fan-out they listen to (LISTEN/NOTIFY on
 * a PostgreSQL store, or the config file's `cluster.redisUrl`), the `cache.invalidate` message a node
 * sends when it makes the change itself. A SQLite store has no other node to tell. Resolves `false`
 * when the message could not be sent: nodes then see the change within `operations.clientCacheTtl`.
 */
export async function announceChange(store: StoreSettings, file: ConfigFile | undefined, kind: 'client' | 'resource', id: string): Promise<boolean> {
  const cluster = configSchema.shape.cluster.safeParse(file?.input.cluster);
  const config = defaultFanoutConfig(
    store.kind === 'postgres' ? { kind: 'postgres', url: store.url, ...(store.schema !== undefined && { schema: store.schema }) } : { kind: 'sqlite' },
    cluster.success ? cluster.data : {},
  );
  if (config.kind === 'memory') return true;
  const fanout = openFanout(config);
  try {
    await fanout.ready();
    await fanout.publish('cache.invalidate', { kind, id, origin: 'cli' });
    return true;
  } catch {
    return false;
  } finally {
    await fanout.close().catch(() => undefined);
  }
}
