import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../src/args.js';
import { loadMasterKey } from '../src/master-key.js';
import { tmpDir } from './helpers.js';

const fresh = { dev: true, storeHasKeys: false };

describe('master key (signing keys are encrypted at rest under it)', () => {
  it('in dev mode on an empty store, generates 32 bytes into <data>/master.key with mode 0600', () => {
    const dir = join(tmpDir(), 'data');
    const mk = loadMasterKey({}, dir, fresh);
    expect(mk.source).toBe('generated');
    expect(mk.key).toHaveLength(32);
    const file = join(dir, 'master.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url').equals(mk.key)).toBe(true);
  });

  it('reuses the generated key on the next start instead of generating another', () => {
    const dir = tmpDir();
    const first = loadMasterKey({}, dir, fresh);
    const second = loadMasterKey({}, dir, { dev: true, storeHasKeys: true });
    expect(second.source).toBe('data-dir');
    expect(second.key.equals(first.key)).toBe(true);
  });

  it('outside dev mode, a missing key is an error that says how to create one', () => {
    const dir = tmpDir();
    expect(() => loadMasterKey({}, dir, { dev: false, storeHasKeys: false })).toThrow(/TESSERA_MASTER_KEY_FILE[\s\S]*openssl rand/);
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
  });

  it('does not generate a new key for a store whose signing keys were encrypted under a lost one', () => {
    const dir = tmpDir();
    expect(() => loadMasterKey({}, dir, { dev: true, storeHasKeys: true })).toThrow(/holds signing keys/);
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
  });

  it('prefers TESSERA_MASTER_KEY, then TESSERA_MASTER_KEY_FILE, over the data directory', () => {
    const dir = tmpDir();
    loadMasterKey({}, dir, fresh);
    const key = randomBytes(32);
    expect(loadMasterKey({ TESSERA_MASTER_KEY: key.toString('hex') }, dir, fresh).key.equals(key)).toBe(true);
    const file = join(tmpDir(), 'mk');
    writeFileSync(file, `${key.toString('base64')}\n`);
    const fromFile = loadMasterKey({ TESSERA_MASTER_KEY_FILE: file }, dir, fresh);
    expect(fromFile.source).toBe('TESSERA_MASTER_KEY_FILE');
    expect(fromFile.key.equals(key)).toBe(true);
  });

  it('rejects a key of the wrong size without echoing it, and both variables at once', () => {
    const short = randomBytes(16).toString('hex');
    let message = '';
    try {
      loadMasterKey({ TESSERA_MASTER_KEY: short }, tmpDir(), fresh);
    } catch (err) {
      expect(err).toBeInstanceOf(CliError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/TESSERA_MASTER_KEY/);
    expect(message).not.toContain(short);
    expect(() => loadMasterKey({ TESSERA_MASTER_KEY: 'a', TESSERA_MASTER_KEY_FILE: 'b' }, tmpDir(), fresh)).toThrow(/not both/);
    expect(() => loadMasterKey({ TESSERA_MASTER_KEY_FILE: '/nonexistent/mk' }, tmpDir(), fresh)).toThrow(/cannot read/);
  });
});
