export * from './contracts/index.js';
export { createMemoryStorage } from './memory.js';
export type { MemoryStorageOptions } from './memory.js';
export { createSqliteStorage } from './sqlite.js';
export type { SqliteStorageOptions } from './sqlite.js';
export { createPostgresStorage } from './postgres.js';
export type { PostgresStorageOptions } from './postgres.js';
export { openStorage } from './open.js';
export type { StorageConfig } from './open.js';
