import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

/** A mistake in how the command was called: printed as one line plus the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** A failure the user can fix (unreachable database, missing master key): printed as one line, exit code 1. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
}

/**
 * A setting that cannot be used, whether a flag's value, an environment variable or a file it names:
 * printed as one line without the usage, exit code 2, like a wrong flag. Nothing was opened or changed.
 */
export class SettingError extends CliError {
  override readonly name: string = 'SettingError';
}

/**
 * A configuration file that cannot be used (unreadable, not JSON, an unknown or invalid setting); a
 * {@link SettingError}. Its message names the setting's path and never quotes the file, which may hold secrets.
 */
export class ConfigFileError extends SettingError {
  override readonly name = 'ConfigFileError';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command accepts. */
export const HELP: Options = { help: { type: 'boolean', short: 'h' } };

/** Flags that choose the storage, shared by `start` and every admin command so both open the same data. */
export const STORAGE_FLAGS: Options = {
  config: { type: 'string' },
  data: { type: 'string' },
  store: { type: 'string' },
  'database-url': { type: 'string' },
};

export const JSON_FLAG: Options = { json: { type: 'boolean' } };

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/**
 * Strict parsing (node:util parseArgs): an unknown flag, a missing value or a stray positional is a
 * {@link UsageError} naming the problem, never a silent default.
 */
export function parse(argv: string[], options: Options, usage: string, positionals: { min: number; max: number; name?: string } = { min: 0, max: 0 }): Parsed {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...HELP, ...options }, strict: true, allowPositionals: true }) as Parsed;
  } catch (err) {
    throw new UsageError(tidy((err as Error).message), usage);
  }
  if (parsed.values.help) return parsed;
  const n = parsed.positionals.length;
  if (n > positionals.max) throw new UsageError(`unexpected argument "${parsed.positionals[positionals.max]}"`, usage);
  if (n < positionals.min) throw new UsageError(positionals.name === undefined ? 'missing argument' : `missing ${positionals.name}`, usage);
  return parsed;
}

/** parseArgs messages mention internals ("To specify a positional argument starting with a '-'…"); keep the first sentence. */
function tidy(message: string): string {
  return message.split('. ')[0]!.replace(/\.$/, '');
}

/** The value of a string flag; a {@link UsageError} if it is required and absent or empty. */
export function str(values: Parsed['values'], name: string, usage: string, required: true): string;
export function str(values: Parsed['values'], name: string, usage: string, required?: false): string | undefined;
export function str(values: Parsed['values'], name: string, usage: string, required = false): string | undefined {
  const v = values[name];
  if (Array.isArray(v)) return v.at(-1) as string | undefined;
  if (typeof v === 'string') {
    if (v.trim() === '') throw new UsageError(`--${name} must not be empty`, usage);
    return v;
  }
  if (required) throw new UsageError(`missing required flag --${name}`, usage);
  return undefined;
}

/** Space- or comma-separated words from one or more occurrences of a flag (`--scope "a b" --scope c`). */
export function words(values: Parsed['values'], name: string): string[] {
  const v = values[name];
  const all = Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  return [...new Set(all.flatMap((s) => String(s).split(/[\s,]+/)).filter(Boolean))];
}
