import { CliError, SettingError, UsageError } from './args.js';
import { clientsCommand, CLIENTS_USAGE } from './commands/clients.js';
import { devicesCommand, DEVICES_USAGE } from './commands/devices.js';
import { keysCommand, KEYS_USAGE } from './commands/keys.js';
import { resourcesCommand, RESOURCES_USAGE } from './commands/resources.js';
import { startCommand, START_USAGE } from './commands/start.js';
import { tokenCommand, TOKEN_USAGE } from './commands/token.js';
import { usersCommand, USERS_USAGE } from './commands/users.js';
import type { Io } from './io.js';
import { processIo } from './io.js';

export const USAGE = `usage: tessera <command> [options]      (tessera <command> --help for details)

  start                        run the authorization server
  clients create|list|delete   OAuth clients (create prints the secret once)
  resources create|list        APIs that tokens are issued for (jwt or opaque tokens)
  users create|list|show|…     people who sign in (disable, enable, set-password, totp enrol)
  devices enrol|list|show|…    devices, their keys, posture, compliance and history
  keys list|rotate             signing keys
  token decode <token>         show a token's contents, UNVERIFIED

Exit codes: 0 ok, 1 failed, 2 wrong usage or an invalid setting (flag, environment variable or config file).`;

const commands: Record<string, { run: (argv: string[], io: Io) => Promise<number>; usage: string }> = {
  start: { run: startCommand, usage: START_USAGE },
  clients: { run: clientsCommand, usage: CLIENTS_USAGE },
  resources: { run: resourcesCommand, usage: RESOURCES_USAGE },
  keys: { run: keysCommand, usage: KEYS_USAGE },
  token: { run: tokenCommand, usage: TOKEN_USAGE },
  users: { run: usersCommand, usage: USERS_USAGE },
  devices: { run: devicesCommand, usage: DEVICES_USAGE },
};

/** Run the CLI; resolves to the process exit code. Never throws. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined) throw new UsageError('missing command', USAGE);
    if (name === '--help' || name === '-h' || name === 'help') return io.out(USAGE), 0;
    const command = commands[name];
    if (!command) throw new UsageError(name.startsWith('-') ? `unknown option "${name}" (options go after the command)` : `unknown command "${name}"`, USAGE);
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`tessera: ${err.message}\n\n${err.usage}`);
      return 2;
    }
    // The server's own check of the assembled configuration (e.g. an issuer from TESSERA_ISSUER) counts
    // too; matched by name because the server is loaded lazily (lazy.ts).
    if (err instanceof SettingError || (err instanceof Error && err.name === 'ConfigError')) {
      io.err(`tessera: ${err.message}`);
      return 2;
    }
    if (err instanceof CliError) {
      io.err(`tessera: ${err.message}`);
      return 1;
    }
    // Anything else is a bug or an environment failure: one line, the stack only on request.
    const e = err as Error;
    io.err(`tessera: ${e?.message ?? String(err)}`);
    if (io.env.TESSERA_DEBUG) io.err(e?.stack ?? '');
    return 1;
  }
}
