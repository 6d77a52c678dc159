// The one file that knows how @tessera/server is assembled, so the commands stay about the command line.
import { createAdmin, createEventBus, createTessera, startBackchannelLogout } from '@tessera/server';
import type { Admin, DeliveryResult, TesseraConfigInput, UserAdmin } from '@tessera/server';
import type { Storage } from '@tessera/store';
import type { StartSettings } from './settings.js';

/** The admin operations (clients, resources) over an open store, with the server's default bounds. */
export const adminFor = (storage: Storage): Admin => createAdmin(storage);

/** User management over an open store; TOTP operations need the master key that seals the secrets. */
export const userAdminFor = (storage: Storage, masterKey?: Buffer): UserAdmin =>
  createAdmin(storage, { accounts: masterKey === undefined ? {} : { masterKey } }).users;

function configInput(s: StartSettings, masterKey: Buffer, logLevel = s.logLevel): TesseraConfigInput {
  return {
    issuer: s.issuer,
    dev: s.dev,
    server: { host: s.host, port: s.port, logLevel: logLevel as 'info' },
    // Informational: the storage is opened by the CLI and passed in (it closes it, too).
    store: s.store.kind === 'sqlite' ? { kind: 'sqlite', filename: s.store.filename } : { kind: 'postgres', url: s.store.url },
    keys: { masterKey },
    ...(s.devices !== undefined && { devices: s.devices as TesseraConfigInput['devices'] }),
    ...(s.policy !== undefined && { policy: s.policy }),
  };
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
  const tessera = await createTessera({ config: configInput(s, masterKey, 'silent'), storage });
  try {
    await tessera.keys.rotate({ immediate: opts.immediate });
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
