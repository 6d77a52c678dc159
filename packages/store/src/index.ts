export * from './contracts/index.js';
export { createMemoryStorage } from './memory.js';
export type { MemoryStorageOptions } from './memory.js';
