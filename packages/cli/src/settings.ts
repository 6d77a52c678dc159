import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from './args.js';

/** Environment variables the CLI reads (the only place in Tessera that reads any, DESIGN V8). */
export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA_DIR = './data';

/** Where state lives, resolved from flags, then environment, then defaults. */
export type StoreSettings =
  | { kind: 'sqlite'; dataDir: string; filename: string }
  | { kind: 'postgres'; dataDir: string; url: string };

export interface StartSettings {
  port: number;
  host: string;
  issuer: string;
  logLevel: string;
  dev: boolean;
  store: StoreSettings;
  /** The `devices` config section (UEM webhook secrets, SSF transmitters), from the JSON file TESSERA_DEVICES_CONFIG names. */
  devices?: unknown;
  /** The `policy` config section: Cedar text from the file TESSERA_POLICY_FILE names, or TESSERA_POLICY_PRESET. */
  policy?: { preset?: 'default' | 'device-trust'; text?: string };
}

type Flags = Record<string, unknown>;
const flag = (flags: Flags, name: string): string | undefined => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v);

/** `--data`/`--store`/`--database-url`, falling back to TESSERA_DATA_DIR, TESSERA_STORE, TESSERA_DATABASE_URL. */
export function storeSettings(flags: Flags, env: Env, cwd: string): StoreSettings {
  const dataDir = resolve(cwd, flag(flags, 'data') ?? nonEmpty(env.TESSERA_DATA_DIR) ?? DEFAULT_DATA_DIR);
  const kind = flag(flags, 'store') ?? nonEmpty(env.TESSERA_STORE) ?? 'sqlite';
  const url = flag(flags, 'database-url') ?? nonEmpty(env.TESSERA_DATABASE_URL);
  if (kind === 'sqlite') {
    if (flag(flags, 'database-url')) throw new CliError('--database-url needs --store postgres');
    return { kind, dataDir, filename: resolve(dataDir, 'tessera.db') };
  }
  if (kind === 'postgres') {
    if (!url) throw new CliError('--store postgres needs --database-url postgres://… (or TESSERA_DATABASE_URL)');
    if (!/^postgres(ql)?:\/\//.test(url)) throw new CliError('--database-url must start with postgres:// or postgresql://');
    return { kind, dataDir, url };
  }
  throw new CliError(`--store must be sqlite or postgres, not "${kind}"`);
}

/** Port from `--port` or PORT: an integer 0–65535 (0 = any free port). */
export function parsePort(text: string, source: string): number {
  if (!/^\d{1,5}$/.test(text.trim()) || Number(text) > 65_535) {
    throw new CliError(`${source} must be a port number between 0 and 65535, not "${text}"`);
  }
  return Number(text);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Everything `tessera start` needs except the master key (see master-key.ts). */
export function startSettings(flags: Flags, env: Env, cwd: string): StartSettings {
  const portText = flag(flags, 'port') ?? nonEmpty(env.PORT);
  const port = portText === undefined ? DEFAULT_PORT : parsePort(portText, flag(flags, 'port') ? '--port' : 'PORT');
  const host = flag(flags, 'host') ?? nonEmpty(env.HOST) ?? DEFAULT_HOST;
  const issuer = flag(flags, 'issuer') ?? nonEmpty(env.TESSERA_ISSUER) ?? `http://localhost:${port}`;
  const logLevel = nonEmpty(env.TESSERA_LOG_LEVEL) ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new CliError(`TESSERA_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const devicesFile = nonEmpty(env.TESSERA_DEVICES_CONFIG);
  const devices = devicesFile === undefined ? undefined : readJsonFile(resolve(cwd, devicesFile), 'TESSERA_DEVICES_CONFIG');
  const policy = policySettings(env, cwd);
  return { port, host, issuer, logLevel, dev: flags.dev === true, store: storeSettings(flags, env, cwd), ...(devices !== undefined && { devices }), ...(policy !== undefined && { policy }) };
}

/** TESSERA_POLICY_FILE (Cedar policy text, validated by the server at start) and/or TESSERA_POLICY_PRESET. */
function policySettings(env: Env, cwd: string): StartSettings['policy'] {
  const preset = nonEmpty(env.TESSERA_POLICY_PRESET);
  if (preset !== undefined && preset !== 'default' && preset !== 'device-trust') throw new CliError('TESSERA_POLICY_PRESET must be default or device-trust');
  const file = nonEmpty(env.TESSERA_POLICY_FILE);
  let text: string | undefined;
  if (file !== undefined) {
    try {
      text = readFileSync(resolve(cwd, file), 'utf8');
    } catch (err) {
      throw new CliError(`TESSERA_POLICY_FILE: cannot read ${resolve(cwd, file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (preset === undefined && text === undefined) return undefined;
  return { ...(preset !== undefined && { preset }), ...(text !== undefined && { text }) };
}

/** A JSON settings file (it holds secrets, so it is read from a file, never from the environment itself). */
function readJsonFile(path: string, source: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CliError(`${source}: cannot read ${path} as JSON (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
