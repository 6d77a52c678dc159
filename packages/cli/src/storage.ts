import type { Storage } from '@tessera/store';
import { CliError } from './args.js';
import { ensureDataDir } from './master-key.js';
import type { StoreSettings } from './settings.js';

/**
 * Open (and migrate) the storage `start` uses, so admin commands work beside a running server: SQLite
 * in WAL mode allows one writer and many readers across processes.
 */
export async function openStore(s: StoreSettings): Promise<Storage> {
  if (s.kind === 'sqlite') ensureDataDir(s.dataDir);
  let storage: Storage | undefined;
  try {
    // Loaded on demand: `tessera token decode` should not pay for database drivers.
    const { openStorage } = await import('@tessera/store');
    storage = await openStorage(s.kind === 'sqlite' ? { kind: 'sqlite', filename: s.filename } : { kind: 'postgres', url: s.url, ...(s.schema !== undefined && { schema: s.schema }) });
    await storage.migrate();
    return storage;
  } catch (err) {
    await storage?.close().catch(() => undefined);
    const where = s.kind === 'sqlite' ? s.filename : 'PostgreSQL at --database-url';
    throw new CliError(`cannot open the ${s.kind} store (${where}): ${(err as Error).message}`);
  }
}

/** Run `fn` with an open store, closing it whatever happens. */
export async function withStore<T>(s: StoreSettings, fn: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = await openStore(s);
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}
