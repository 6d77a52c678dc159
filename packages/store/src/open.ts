import type { Storage } from './contracts/index.js';
import { createMemoryStorage } from './memory.js';
import { createPostgresStorage } from './postgres.js';
import type { PostgresStorageOptions } from './postgres.js';
import { createSqliteStorage } from './sqlite.js';
import type { SqliteStorageOptions } from './sqlite.js';

/** Which backend {@link openStorage} opens, and its settings. */
export type StorageConfig =
  | ({ kind: 'sqlite' } & SqliteStorageOptions)
  | ({ kind: 'postgres' } & PostgresStorageOptions)
  | { kind: 'memory'; now?: () => number };

/**
 * The one entry point the server and the CLI share. Opens the backend (for SQLite, the file; PostgreSQL
 * connects lazily) and does NOT migrate: call `storage.migrate()` at start. Close it with `close()`.
 */
export async function openStorage(config: StorageConfig): Promise<Storage> {
  switch (config.kind) {
    case 'sqlite': {
      const { kind: _kind, ...options } = config;
      return createSqliteStorage(options);
    }
    case 'postgres': {
      const { kind: _kind, ...options } = config;
      return createPostgresStorage(options);
    }
    case 'memory':
      return createMemoryStorage(config.now ? { now: config.now } : {});
    default:
      throw new TypeError(`unknown storage kind ${JSON.stringify((config as { kind: unknown }).kind)}`);
  }
}
