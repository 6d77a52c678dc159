export * from './contracts/index.js';
export { createMemoryStorage } from './memory.js';
export type { MemoryStorageOptions } from './memory.js';
export { createSqliteStorage } from './sqlite.js';
export type { SqliteStorageOptions } from './sqlite.js';
