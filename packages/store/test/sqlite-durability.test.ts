import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStorage } from '../src/index.js';
import { at, revocation, signingKey, token } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-durable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `d${n++}.db`);

describe('sqlite durability', () => {
  it('everything written is there after close and reopen (revocation survives a restart)', async () => {
    const filename = fresh();
    const first = createSqliteStorage({ filename });
    await first.migrate();
    const t = token({ grantId: 'g' });
    const r = revocation();
    const k = signingKey({ state: 'current' });
    await first.tokens.put(t);
    await first.tokens.revoke(t.hash, at(5));
    await first.revocations.add(r);
    await first.keys.insert(k);
    await first.close();

    const second = createSqliteStorage({ filename });
    await second.migrate();
    expect(await second.tokens.get(t.hash)).toEqual({ ...t, revokedAt: at(5) });
    expect(await second.revocations.get(r.jti)).toEqual(r);
    expect(await second.keys.list()).toEqual([k]);
    await second.close();
  });

  it('a write whose promise resolved survives the process dying without close (WAL, synchronous=NORMAL)', async () => {
    const filename = fresh();
    const live = createSqliteStorage({ filename });
    await live.migrate();
    const written = Array.from({ length: 50 }, () => token());
    for (const t of written) await live.tokens.put(t);
    const r = revocation();
    await live.revocations.add(r);
    // What a killed process leaves behind: the main file and the WAL as the kernel has them, with no
    // checkpoint and no close. Copy them aside while the writer is still open and open the copy.
    const crashed = fresh();
    copyFileSync(filename, crashed);
    expect(existsSync(`${filename}-wal`)).toBe(true);
    copyFileSync(`${filename}-wal`, `${crashed}-wal`);
    const recovered = createSqliteStorage({ filename: crashed });
    for (const t of written) expect(await recovered.tokens.get(t.hash)).toEqual(t);
    expect(await recovered.revocations.get(r.jti)).toEqual(r);
    await recovered.close();
    await live.close();
  });

  it('the file is left in WAL mode (readers never block the writer), with either synchronous setting', async () => {
    const probe = (filename: string) => {
      const raw = new BetterSqlite3(filename, { readonly: true });
      try {
        return raw.pragma('journal_mode', { simple: true });
      } finally {
        raw.close();
      }
    };
    for (const synchronous of ['normal', 'full'] as const) {
      const filename = fresh();
      const s = createSqliteStorage({ filename, synchronous });
      await s.migrate();
      expect(probe(filename)).toBe('wal');
      await s.close();
    }
  });
});

describe('sqlite atomicity', () => {
  it('revokeByGrant that fails midway leaves no token of the grant revoked', async () => {
    const filename = fresh();
    const s = createSqliteStorage({ filename });
    await s.migrate();
    const family = Array.from({ length: 5 }, (_, i) => token({ grantId: 'fam', jti: `j${i}` }));
    for (const t of family) await s.tokens.put(t);
    // Sabotage the fourth row from outside the adapter: the UPDATE aborts after touching some rows.
    const raw = new BetterSqlite3(filename);
    raw.exec(`create trigger sabotage before update of revoked_at on tokens when old.jti = 'j3'
              begin select raise(abort, 'sabotaged'); end`);
    await expect(s.tokens.revokeByGrant('fam', at(1))).rejects.toThrow(/sabotaged/);
    for (const t of family) expect((await s.tokens.get(t.hash))?.revokedAt).toBeNull();
    raw.exec('drop trigger sabotage');
    raw.close();
    expect(await s.tokens.revokeByGrant('fam', at(2))).toBe(5);
    await s.close();
  });

  it('opening a file whose directory does not exist fails with a clear error, not a hang', () => {
    expect(() => createSqliteStorage({ filename: join(dir, 'missing', 'x.db') })).toThrow(/directory does not exist/);
  });
});
