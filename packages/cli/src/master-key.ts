import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMasterKey } from '@tessera/token';
import { CliError, SettingError } from './args.js';
import type { Env } from './settings.js';

export const MASTER_KEY_FILE = 'master.key';

export interface MasterKey {
  key: Buffer;
  /** Where it came from, for the startup log (never the key itself). */
  source: 'TESSERA_MASTER_KEY' | 'TESSERA_MASTER_KEY_FILE' | 'data-dir' | 'generated';
}

const HOW_TO = [
  'Generate one and keep it outside the data directory, e.g.',
  '  openssl rand -base64 32 > /etc/tessera/master.key && chmod 600 /etc/tessera/master.key',
  'then set TESSERA_MASTER_KEY_FILE=/etc/tessera/master.key (or TESSERA_MASTER_KEY=<the base64 text>).',
  'For local development only, `tessera start --dev` generates one into the data directory.',
].join('\n');

/** Create the data directory (0700) if missing; an existing directory is left as it is. */
export function ensureDataDir(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  else if (!statSync(dir).isDirectory()) throw new CliError(`data directory ${dir} exists and is not a directory`);
}

function decode(text: string, where: string): Buffer {
  try {
    return parseMasterKey(text);
  } catch (err) {
    throw new CliError(`${where}: ${(err as Error).message}`);
  }
}

/**
 * The master key that encrypts signing keys at rest, from TESSERA_MASTER_KEY, TESSERA_MASTER_KEY_FILE,
 * or `<data>/master.key` (written by an earlier dev start). In dev mode, when the store holds no signing
 * key yet, a key is generated into `<data>/master.key` with mode 0600. Outside dev mode a missing key is
 * an error explaining how to make one: generating one silently would put the key beside the data it
 * protects.
 */
export function loadMasterKey(env: Env, dataDir: string, opts: { dev: boolean; storeHasKeys: boolean }): MasterKey {
  if (env.TESSERA_MASTER_KEY && env.TESSERA_MASTER_KEY_FILE) {
    throw new SettingError('set TESSERA_MASTER_KEY or TESSERA_MASTER_KEY_FILE, not both');
  }
  if (env.TESSERA_MASTER_KEY) return { key: decode(env.TESSERA_MASTER_KEY, 'TESSERA_MASTER_KEY'), source: 'TESSERA_MASTER_KEY' };
  if (env.TESSERA_MASTER_KEY_FILE) {
    let text: string;
    try {
      text = readFileSync(env.TESSERA_MASTER_KEY_FILE, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read TESSERA_MASTER_KEY_FILE ${env.TESSERA_MASTER_KEY_FILE}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    return { key: decode(text, `TESSERA_MASTER_KEY_FILE ${env.TESSERA_MASTER_KEY_FILE}`), source: 'TESSERA_MASTER_KEY_FILE' };
  }
  const file = join(dataDir, MASTER_KEY_FILE);
  if (existsSync(file)) return { key: decode(readFileSync(file, 'utf8'), file), source: 'data-dir' };
  if (!opts.dev) throw new CliError(`no master key: set TESSERA_MASTER_KEY_FILE or TESSERA_MASTER_KEY.\n${HOW_TO}`);
  // Signing keys already stored were encrypted under some other key, which a new one cannot decrypt:
  // refuse rather than generate.
  if (opts.storeHasKeys) {
    throw new CliError(`the store holds signing keys but ${file} is missing; supply the master key they were created with.\n${HOW_TO}`);
  }
  ensureDataDir(dataDir);
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600); // the umask may have widened the mode at creation
  return { key, source: 'generated' };
}

/** The one loud warning of a dev start (STYLE A12). */
export function devKeyWarning(dataDir: string): string {
  const line = '!'.repeat(78);
  return [
    line,
    `!! DEV MODE: generated a master key into ${join(dataDir, MASTER_KEY_FILE)}`,
    '!! It encrypts the signing keys and lies beside them: anyone who can read the data directory',
    '!! can forge tokens. Not for production. Use TESSERA_MASTER_KEY_FILE outside the data directory.',
    line,
  ].join('\n');
}
