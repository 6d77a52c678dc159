import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { ConfigFileError, SettingError } from './args.js';

/** Environment variables the CLI reads (the only place in Tessera that reads any, DESIGN V8). */
export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA_DIR = './data';

/** Where state lives, resolved from flags, then environment, then defaults. */
export type StoreSettings =
  | { kind: 'sqlite'; dataDir: string; filename: string }
  | { kind: 'postgres'; dataDir: string; url: string; schema?: string };

export interface StartSettings {
  port: number;
  host: string;
  issuer: string;
  logLevel: string;
  dev: boolean;
  store: StoreSettings;
  /** The `devices` config section (UEM webhook secrets, SSF transmitters), from the JSON file TESSERA_DEVICES_CONFIG names. */
  devices?: unknown;
  /**
   * The `policy` config section: the config file's, with the Cedar text from the file TESSERA_POLICY_FILE
   * names and TESSERA_POLICY_PRESET over it.
   */
  policy?: PolicySection;
  /**
   * Every other setting of the server's config schema: the config file's sections as written (not yet
   * validated: see `checkConfig` in server-api.ts), with TESSERA_ACCESS_TOKEN_ALG over `keys`. The
   * fields above win over the same settings in here.
   */
  config?: Record<string, unknown>;
  /** The config file these settings were read from, for error messages. */
  configFile?: string;
}

type PolicySection = { preset?: 'default' | 'device-trust'; text?: string } & Record<string, unknown>;

/** The configuration file named by `--config` or TESSERA_CONFIG: one JSON object shaped like the server's config. */
export interface ConfigFile {
  path: string;
  input: Record<string, unknown>;
}

type Flags = Record<string, unknown>;
const flag = (flags: Flags, name: string): string | undefined => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The file `--config` or TESSERA_CONFIG names, parsed; `undefined` when neither is set. Only its shape
 * is checked here (a JSON object, no master key): the settings are validated against the server's
 * schema by `tessera start` (server-api.ts `checkConfig`), which needs the server code loaded.
 */
export function readConfigFile(flags: Flags, env: Env, cwd: string): ConfigFile | undefined {
  const name = flag(flags, 'config') ?? nonEmpty(env.TESSERA_CONFIG);
  if (name === undefined) return undefined;
  const path = resolve(cwd, name);
  const input = readJsonFile(path, flag(flags, 'config') !== undefined ? '--config' : 'TESSERA_CONFIG', ConfigFileError);
  if (!isObject(input)) throw new ConfigFileError(`config file ${path}: expected one JSON object (the settings), not ${Array.isArray(input) ? 'an array' : typeof input}`);
  // One source for the master key, which every command that needs it reads the same way (master-key.ts).
  if (isObject(input.keys) && 'masterKey' in input.keys) {
    throw new ConfigFileError(`config file ${path}: keys.masterKey is not read from a config file; set TESSERA_MASTER_KEY_FILE (or TESSERA_MASTER_KEY) instead`);
  }
  return { path, input };
}

interface JsonTypes {
  string: string;
  number: number;
  boolean: boolean;
  object: Record<string, unknown>;
}

/** A setting of the config file: `undefined` when absent, else it must have the expected JSON type. */
function fileValue<T extends keyof JsonTypes>(file: ConfigFile | undefined, path: string, type: T): JsonTypes[T] | undefined {
  let value: unknown = file?.input;
  for (const key of path.split('.')) value = isObject(value) ? value[key] : undefined;
  if (value === undefined) return undefined;
  if (type === 'object' ? !isObject(value) : typeof value !== type) {
    throw new ConfigFileError(`config file ${file!.path}: ${path}: expected ${type === 'object' ? 'an object' : `a ${type}`}`);
  }
  return value as JsonTypes[T];
}

/**
 * `--data`/`--store`/`--database-url`, falling back to TESSERA_DATA_DIR, TESSERA_STORE,
 * TESSERA_DATABASE_URL, then to the config file's `store` section (a relative SQLite filename is taken
 * relative to the config file), then to SQLite in ./data.
 */
export function storeSettings(flags: Flags, env: Env, cwd: string, file: ConfigFile | undefined = readConfigFile(flags, env, cwd)): StoreSettings {
  const dataDirText = flag(flags, 'data') ?? nonEmpty(env.TESSERA_DATA_DIR);
  const dataDir = resolve(cwd, dataDirText ?? DEFAULT_DATA_DIR);
  const fileStore = fileValue(file, 'store', 'object');
  const fileKind = fileValue(file, 'store.kind', 'string');
  if (fileStore !== undefined && fileKind !== 'sqlite' && fileKind !== 'postgres') {
    throw new ConfigFileError(`config file ${file!.path}: store.kind: expected "sqlite" or "postgres" (the memory store is for tests)`);
  }
  const kind = flag(flags, 'store') ?? nonEmpty(env.TESSERA_STORE) ?? fileKind ?? 'sqlite';
  const fromFile = fileKind === kind;
  if (kind === 'sqlite') {
    if (flag(flags, 'database-url')) throw new SettingError('--database-url needs --store postgres');
    const filename = fromFile && dataDirText === undefined ? fileValue(file, 'store.filename', 'string') : undefined;
    if (filename === undefined) return { kind, dataDir, filename: resolve(dataDir, 'tessera.db') };
    // ":memory:" is SQLite's name for a throwaway database, not a path.
    if (filename === ':memory:') return { kind, dataDir, filename };
    const path = resolve(dirname(file!.path), filename);
    return { kind, dataDir: dirname(path), filename: path };
  }
  if (kind === 'postgres') {
    const urlSource = flag(flags, 'database-url') !== undefined ? '--database-url' : nonEmpty(env.TESSERA_DATABASE_URL) !== undefined ? 'TESSERA_DATABASE_URL' : 'store.url in the config file';
    const url = flag(flags, 'database-url') ?? nonEmpty(env.TESSERA_DATABASE_URL) ?? (fromFile ? fileValue(file, 'store.url', 'string') : undefined);
    if (!url) throw new SettingError('--store postgres needs --database-url postgres://… (or TESSERA_DATABASE_URL, or store.url in the config file)');
    if (!/^postgres(ql)?:\/\//.test(url)) throw new SettingError(`${urlSource} must start with postgres:// or postgresql://`);
    const schema = fromFile ? fileValue(file, 'store.schema', 'string') : undefined;
    return { kind, dataDir, url, ...(schema !== undefined && { schema }) };
  }
  throw new SettingError(`--store must be sqlite or postgres, not "${kind}"`);
}

/** The issuer when none is set: the local server on its port. */
export function defaultIssuer(port: number): string {
  return `http://localhost:${port}`;
}

/**
 * `--port 0` asks for any free port, but the default issuer names the port, and `localhost:0` names no
 * server: tokens would carry it as `iss` and discovery would point clients at it. So the port is chosen
 * here (bind, read, release) and both settings name it. Any other issuer is left as it is. The
 * port is free a moment before the server binds it; should another process take it in between, the
 * start fails with EADDRINUSE rather than serving under a wrong name.
 */
export async function choosePortForDefaultIssuer(settings: StartSettings): Promise<StartSettings> {
  if (settings.port !== 0 || settings.issuer !== defaultIssuer(0)) return settings;
  const probe = createServer();
  const port = await new Promise<number>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ port: 0, host: settings.host, exclusive: true }, () => resolve((probe.address() as AddressInfo).port));
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return { ...settings, port, issuer: defaultIssuer(port) };
}

/** Port from `--port` or PORT: an integer 0–65535 (0 = any free port). */
export function parsePort(text: string, source: string): number {
  if (!/^\d{1,5}$/.test(text.trim()) || Number(text) > 65_535) {
    throw new SettingError(`${source} must be a port number between 0 and 65535, not "${text}"`);
  }
  return Number(text);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const ACCESS_TOKEN_ALGS = ['ES256', 'EdDSA', 'RS256'];

/**
 * Everything `tessera start` needs except the master key (see master-key.ts). Each setting comes from
 * its flag, else its environment variable, else the config file, else the default.
 */
export function startSettings(flags: Flags, env: Env, cwd: string): StartSettings {
  const file = readConfigFile(flags, env, cwd);
  const portText = flag(flags, 'port') ?? nonEmpty(env.PORT);
  const filePort = fileValue(file, 'server.port', 'number');
  // A file port that is not one is left to the schema check, which names the setting.
  const port = portText === undefined ? (filePort ?? DEFAULT_PORT) : parsePort(portText, flag(flags, 'port') ? '--port' : 'PORT');
  const host = flag(flags, 'host') ?? nonEmpty(env.HOST) ?? fileValue(file, 'server.host', 'string') ?? DEFAULT_HOST;
  // A file port out of range is reported as server.port; the issuer made from it would only add noise.
  const issuerPort = Number.isInteger(port) && port >= 0 && port <= 65_535 ? port : DEFAULT_PORT;
  const issuer = flag(flags, 'issuer') ?? nonEmpty(env.TESSERA_ISSUER) ?? fileValue(file, 'issuer', 'string') ?? defaultIssuer(issuerPort);
  const envLogLevel = nonEmpty(env.TESSERA_LOG_LEVEL);
  if (envLogLevel !== undefined && !LOG_LEVELS.includes(envLogLevel)) throw new SettingError(`TESSERA_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const logLevel = envLogLevel ?? fileValue(file, 'server.logLevel', 'string') ?? 'info';
  const devicesFile = nonEmpty(env.TESSERA_DEVICES_CONFIG);
  const devices = devicesFile === undefined ? file?.input.devices : readJsonFile(resolve(cwd, devicesFile), 'TESSERA_DEVICES_CONFIG', SettingError);
  const policy = policySettings(env, cwd, fileValue(file, 'policy', 'object'));
  const config = withEnvOverrides(file?.input, env);
  return {
    port,
    host,
    issuer,
    logLevel,
    dev: flags.dev === true || fileValue(file, 'dev', 'boolean') === true,
    store: storeSettings(flags, env, cwd, file),
    ...(devices !== undefined && { devices }),
    ...(policy !== undefined && { policy }),
    ...(config !== undefined && { config }),
    ...(file !== undefined && { configFile: file.path }),
  };
}

/** TESSERA_ACCESS_TOKEN_ALG over the file's `keys.accessTokenAlg` (the one key setting common enough for a variable). */
function withEnvOverrides(input: Record<string, unknown> | undefined, env: Env): Record<string, unknown> | undefined {
  const alg = nonEmpty(env.TESSERA_ACCESS_TOKEN_ALG);
  if (alg === undefined) return input;
  if (!ACCESS_TOKEN_ALGS.includes(alg)) throw new SettingError(`TESSERA_ACCESS_TOKEN_ALG must be one of ${ACCESS_TOKEN_ALGS.join(', ')}`);
  const keys = isObject(input?.keys) ? input.keys : {};
  return { ...input, keys: { ...keys, accessTokenAlg: alg } };
}

/**
 * The config file's `policy` section with TESSERA_POLICY_FILE (Cedar policy text, validated by the
 * server at start) and TESSERA_POLICY_PRESET over it. A preset from the environment also drops the
 * file's `text`, which would otherwise win over any preset.
 */
function policySettings(env: Env, cwd: string, fromFile: Record<string, unknown> | undefined): StartSettings['policy'] {
  const preset = nonEmpty(env.TESSERA_POLICY_PRESET);
  if (preset !== undefined && preset !== 'default' && preset !== 'device-trust') throw new SettingError('TESSERA_POLICY_PRESET must be default or device-trust');
  const file = nonEmpty(env.TESSERA_POLICY_FILE);
  let text: string | undefined;
  if (file !== undefined) {
    try {
      text = readFileSync(resolve(cwd, file), 'utf8');
    } catch (err) {
      throw new SettingError(`TESSERA_POLICY_FILE: cannot read ${resolve(cwd, file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (preset === undefined && text === undefined) return fromFile;
  const { text: _fromFile, ...rest } = fromFile ?? {};
  return { ...rest, ...(preset !== undefined && { preset }), ...(text !== undefined && { text }) };
}

/**
 * A JSON settings file (it holds secrets, so it is read from a file, never from the environment
 * itself). A syntax error is reported by position only: V8's message quotes the text around it, which
 * may be a secret.
 */
function readJsonFile(path: string, source: string, Failure: typeof SettingError): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Failure(`${source}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const position = /at position (\d+)/.exec((err as Error).message)?.[1];
    const where = text.trim() === '' ? ' (the file is empty)' : position === undefined ? '' : ` (at ${lineAndColumn(text, Number(position))})`;
    throw new Failure(`${source}: ${path} is not valid JSON${where}`);
  }
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}
