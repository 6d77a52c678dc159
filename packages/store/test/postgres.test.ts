import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';
import pg from 'pg';
import { createPostgresStorage } from '../src/index.js';
import type { Storage } from '../src/index.js';
import { runStorageConformance } from './conformance.js';

const url = process.env.TESSERA_TEST_PG_URL;

/**
 * Several test files run in parallel against one database, so every storage gets its own schema
 * `tessera_t_<random>`, created by `migrate()` and dropped by `destroy`.
 */
const schemas = new WeakMap<Storage, string>();

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

if (url) {
  runStorageConformance('postgres', {
    create: async () => {
      const schema = `tessera_t_${randomBytes(6).toString('hex')}`;
      const storage = createPostgresStorage({ url, schema, pool: { max: 4 } });
      schemas.set(storage, schema);
      return storage;
    },
    destroy: async (storage) => {
      await storage.close();
      await dropSchema(schemas.get(storage)!);
    },
    reopen: async (storage) => createPostgresStorage({ url, schema: schemas.get(storage)!, pool: { max: 4 } }),
  });
} else {
  describe.skip('postgres storage conformance (set TESSERA_TEST_PG_URL, e.g. postgres://postgres@127.0.0.1:5432/test)', () => {});
}
