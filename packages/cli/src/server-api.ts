// The one file that knows how @tessera/server is assembled, so the commands stay about the command line.
import { createAdmin, createTessera } from '@tessera/server';
import type { Storage } from '@tessera/store';
import type { StartSettings } from './settings.js';

/** The admin operations (clients, resources) over an open store. */
export const adminFor = (storage: Storage) => createAdmin(storage, {});

function configInput(s: StartSettings, masterKey: Buffer) {
  return {
    issuer: s.issuer,
    server: { host: s.host, port: s.port, logLevel: s.logLevel },
    store: s.store.kind === 'sqlite' ? { kind: 'sqlite', filename: s.store.filename } : { kind: 'postgres', url: s.store.url },
    keys: { masterKey },
  };
}

/** A listening server; `close()` stops accepting, drains and closes the storage. */
export async function startTessera(storage: Storage, s: StartSettings, masterKey: Buffer): Promise<{ url: string; close(): Promise<void> }> {
  const tessera = await createTessera({ config: configInput(s, masterKey), storage });
  const url = await tessera.listen();
  return { url, close: () => tessera.close() };
}

/** Force a key rotation through the server's key manager (so the rules for states live in one place). */
export async function rotateKeys(storage: Storage, masterKey: Buffer, opts: { immediate: boolean }): Promise<void> {
  const s: StartSettings = { port: 0, host: '127.0.0.1', issuer: 'http://localhost', logLevel: 'silent', dev: false, store: { kind: 'sqlite', dataDir: '', filename: ':memory:' } };
  const tessera = await createTessera({ config: configInput(s, masterKey), storage });
  try {
    await tessera.keys.rotate({ immediate: opts.immediate });
  } finally {
    await tessera.close();
  }
}
