import { createMemoryStorage } from '../src/index.js';
import { runStorageConformance } from './conformance.js';

runStorageConformance('memory', {
  create: async () => createMemoryStorage(),
  destroy: async (storage) => storage.close(),
});
