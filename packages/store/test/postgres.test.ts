import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createPostgresStorage } from '../src/index.js';
import type { Storage } from '../src/index.js';
import { migrations, migrationsTable } from '../src/sql/migrations.js';
import type { Database } from '../src/sql/schema.js';
import { runStorageConformance } from './conformance.js';
import { at, token } from './fixtures.js';

const url = process.env.TESSERA_TEST_PG_URL;

/**
 * Several test files run in parallel against one database, so each gets its own schema
 * `tessera_t_<random>`. The conformance tests share one storage on it (connecting and migrating per
 * test costs ~0.4 s on this machine), emptied between tests and dropped at the end; the migration
 * tests get a brand-new schema each (`createUnmigrated`).
 */
const schemas = new WeakMap<Storage, { schema: string; shared: boolean }>();
const newSchema = () => `tessera_t_${randomBytes(6).toString('hex')}`;
const shared = newSchema();
let admin: pg.Client | undefined;

async function sql(text: string): Promise<void> {
  if (!admin) {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  }
  await admin.query(text);
}

async function dropSchema(schema: string): Promise<void> {
  await sql(`drop schema if exists "${schema}" cascade`);
}

const sharedStorages: Storage[] = [];

afterAll(async () => {
  if (!url) return;
  for (const storage of sharedStorages) await storage.close();
  await dropSchema(shared);
  await admin?.end();
});

if (url) {
  for (const preparedHotPath of [true, false]) {
    const open = (schema: string, isShared: boolean) => {
      const storage = createPostgresStorage({ url, schema, preparedHotPath, pool: { max: 4 } });
      schemas.set(storage, { schema, shared: isShared });
      return storage;
    };
    let reused: Storage | undefined;
    runStorageConformance(`postgres (${preparedHotPath ? 'prepared hot path' : 'kysely only'})`, {
      create: async () => {
        if (!reused) sharedStorages.push((reused = open(shared, true)));
        return reused;
      },
      createUnmigrated: async () => open(newSchema(), false),
      destroy: async (storage) => {
        const { schema, shared: isShared } = schemas.get(storage)!;
        if (isShared) {
          const tables = ['clients', 'resources', 'tokens', 'revocations', 'signing_keys', 'replay', 'users', 'sessions', 'session_clients', 'login_throttle',
            'authorization_codes', 'grants', 'consent', 'device_codes', 'devices', 'device_keys', 'device_posture_history',
            'decision_log', 'cutoffs', 'ssf_streams', 'ssf_events', 'pushed_requests'];
          await sql(tables.map((t) => `delete from "${schema}".${t};`).join(' '));
          return;
        }
        await storage.close();
        await dropSchema(schema);
      },
      reopen: async (storage) => open(schemas.get(storage)!.schema, false),
    });
  }
} else {
  describe.skip('postgres storage conformance (set TESSERA_TEST_PG_URL, e.g. postgres://postgres@127.0.0.1:5432/test)', () => {});
}

describe.skipIf(!url)('postgres atomicity and options', () => {
  it('revokeByGrant that fails midway leaves no token of the grant revoked', async () => {
    const schema = `tessera_t_${randomBytes(6).toString('hex')}`;
    const s = createPostgresStorage({ url: url!, schema });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await s.migrate();
      const family = Array.from({ length: 5 }, (_, i) => token({ grantId: 'fam', jti: `j${i}` }));
      for (const t of family) await s.tokens.put(t);
      await admin.query(`create function "${schema}".sabotage() returns trigger language plpgsql as
        $$ begin if old.jti = 'j3' then raise exception 'sabotaged'; end if; return new; end $$`);
      await admin.query(`create trigger sabotage before update on "${schema}".tokens
        for each row execute function "${schema}".sabotage()`);
      await expect(s.tokens.revokeByGrant('fam', at(1))).rejects.toThrow(/sabotaged/);
      for (const t of family) expect((await s.tokens.get(t.hash))?.revokedAt).toBeNull();
      await admin.query(`drop trigger sabotage on "${schema}".tokens`);
      expect(await s.tokens.revokeByGrant('fam', at(2))).toBe(5);
    } finally {
      await s.close();
      await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.end();
    }
  });

  it('a put that fails for its own reason (NUL in jsonb) fails alone; its batch neighbours are stored', async () => {
    const schema = `tessera_t_${randomBytes(6).toString('hex')}`;
    const s = createPostgresStorage({ url: url!, schema });
    try {
      await s.migrate();
      const good = [token(), token()];
      const bad = token({ claims: { evil: 'a\u0000b' } });
      const results = await Promise.allSettled([s.tokens.put(good[0]!), s.tokens.put(bad), s.tokens.put(good[1]!)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      for (const t of good) expect(await s.tokens.get(t.hash)).toEqual(t);
      expect(await s.tokens.get(bad.hash)).toBeUndefined();
    } finally {
      await s.close();
      await dropSchema(schema);
    }
  });

  it('migration 0003 adds the rotation columns as NULL to existing tokens, which then rotate normally', async () => {
    const schema = newSchema();
    await sql(`create schema "${schema}"`);
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, options: `-c search_path="${schema}"`, max: 1 }) }),
    });
    const old = token({ kind: 'refresh_token', grantId: 'g' });
    const { rotatedAt: _r, successorHash: _s, ...columnsBefore0003 } = old;
    try {
      await db.executeQuery(migrationsTable(db).compile());
      for (const m of migrations.slice(0, 2)) {
        for (const statement of m.up(db, 'postgres')) await db.executeQuery(statement.compile());
        await db.insertInto('tessera_migrations').values({ name: m.name, applied_at: 0 }).execute();
      }
      await sql(`insert into "${schema}".tokens (hash, kind, jti, client_id, subject, audience, scope, grant_id, claims,
        issued_at, expires_at) values ('${old.hash}', 'refresh_token', '${old.jti}', '${old.clientId}', '${old.subject}',
        '${JSON.stringify(old.audience)}', '${JSON.stringify(old.scope)}', 'g', '{}', ${old.issuedAt.getTime()}, ${old.expiresAt.getTime()})`);
    } finally {
      await db.destroy();
    }
    const s = createPostgresStorage({ url: url!, schema });
    try {
      await s.migrate();
      expect(await s.tokens.get(old.hash)).toEqual({ ...columnsBefore0003, rotatedAt: null, successorHash: null });
      expect((await s.tokens.rotate(old.hash, token({ kind: 'refresh_token', grantId: 'g' }), at(1))).status).toBe('rotated');
    } finally {
      await s.close();
      await dropSchema(schema);
    }
  });

  it('rejects a schema name that is not a plain identifier (it reaches SQL as an identifier)', () => {
    expect(() => createPostgresStorage({ url: url!, schema: 'x"; drop table tokens; --' })).toThrow(TypeError);
  });

  it('tables live only in the configured schema: two schemas on one database do not see each other', async () => {
    const a = `tessera_t_${randomBytes(6).toString('hex')}`;
    const b = `tessera_t_${randomBytes(6).toString('hex')}`;
    const sa = createPostgresStorage({ url: url!, schema: a });
    const sb = createPostgresStorage({ url: url!, schema: b });
    try {
      await Promise.all([sa.migrate(), sb.migrate()]);
      const t = token();
      await sa.tokens.put(t);
      expect(await sa.tokens.get(t.hash)).toEqual(t);
      expect(await sb.tokens.get(t.hash)).toBeUndefined();
    } finally {
      await sa.close();
      await sb.close();
      await dropSchema(a);
      await dropSchema(b);
    }
  });
});
