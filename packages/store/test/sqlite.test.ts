import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createSqliteStorage } from '../src/index.js';
import type { Storage } from '../src/index.js';
import { runStorageConformance } from './conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const files = new WeakMap<Storage, string>();

for (const preparedHotPath of [true, false]) {
  const label = preparedHotPath ? 'prepared hot path' : 'kysely only';
  runStorageConformance(`sqlite file (${label})`, {
    create: async () => {
      const filename = join(dir, `t${n++}.db`);
      const storage = createSqliteStorage({ filename, preparedHotPath });
      files.set(storage, filename);
      return storage;
    },
    destroy: async (storage) => storage.close(),
    reopen: async (storage) => createSqliteStorage({ filename: files.get(storage)!, preparedHotPath }),
  });
}

runStorageConformance('sqlite :memory:', {
  create: async () => createSqliteStorage({ filename: ':memory:' }),
  destroy: async (storage) => storage.close(),
});
