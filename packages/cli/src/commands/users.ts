import { readFile } from 'node:fs/promises';
import type { DeliveryResult, UserAdmin, UserView } from '@tessera/server';
import type { Storage } from '@tessera/store';
import { CliError, JSON_FLAG, parse, STORAGE_FLAGS, str, UsageError, words, type Parsed } from '../args.js';
import type { Io } from '../io.js';
import { json, table } from '../io.js';
import { serverApi } from '../lazy.js';
import { loadMasterKey } from '../master-key.js';
import { startSettings, storeSettings } from '../settings.js';
import { withStore } from '../storage.js';

export const USERS_USAGE = `usage: tessera users create --username NAME [--email E [--email-verified]] [--groups a,b]
                            (--password-stdin | --password-file FILE) [--json]
       tessera users list [--limit N] [--after USERNAME] [--json]
       tessera users show|enable USER [--json]
       tessera users disable USER [--issuer URL] [--json]
       tessera users set-password USER (--password-stdin | --password-file FILE) [--keep-sessions]
                                  [--issuer URL] [--json]
       tessera users totp enrol|reset USER [--json]
       tessera users totp confirm USER --code 123456 [--json]

USER is a user id or a username. A password is never taken as a flag value (it would land in shell
history and in ps): pipe it to --password-stdin (one trailing newline is dropped) or name a file.
disable revokes the user's sessions and refresh tokens; set-password does too unless --keep-sessions.
Both then send back-channel logout to the clients that registered for it, signed with the server's
keys and naming the server's issuer (--issuer, TESSERA_ISSUER, as for tessera start): this needs the
master key; without it the sessions still end, and the clients are not told (said on stderr).
totp enrol prints the otpauth:// URI for an authenticator app (--json adds the secret); the factor is
required at login once confirmed with a first code. totp needs the master key
(TESSERA_MASTER_KEY_FILE, TESSERA_MASTER_KEY, or <data>/master.key).
storage (same as tessera start): --data DIR, --store sqlite|postgres, --database-url URL, --config FILE`;

const PASSWORD_FLAGS = {
  'password-stdin': { type: 'boolean' },
  'password-file': { type: 'string' },
  // Declared only to refuse it with the reason, rather than as an unknown flag.
  password: { type: 'string' },
} as const;

/** The snake_case JSON shape of a user, as every command prints it. */
const view = (u: UserView) => ({
  id: u.id,
  username: u.username,
  email: u.email,
  email_verified: u.emailVerified,
  status: u.status,
  groups: [...u.groups],
  totp: u.totp,
  created_at: u.createdAt.toISOString(),
  updated_at: u.updatedAt.toISOString(),
});

function printUser(io: Io, user: UserView, asJson: boolean, extra: Record<string, unknown> = {}): void {
  if (asJson) return io.out(json({ ...view(user), ...extra }));
  io.out(`id:       ${user.id}`);
  io.out(`username: ${user.username}`);
  io.out(`email:    ${user.email ?? '–'}${user.email && !user.emailVerified ? ' (unverified)' : ''}`);
  io.out(`status:   ${user.status}`);
  io.out(`groups:   ${user.groups.join(', ') || '–'}`);
  io.out(`totp:     ${user.totp}`);
}

/** The password from stdin or a file, never from argv. */
async function readPassword(values: Parsed['values'], io: Io): Promise<string> {
  if (values.password !== undefined) {
    throw new UsageError('--password is not accepted: a password on the command line lands in shell history and ps; use --password-stdin or --password-file FILE', USERS_USAGE);
  }
  const file = str(values, 'password-file', USERS_USAGE);
  if (values['password-stdin'] === true && file !== undefined) throw new UsageError('use --password-stdin or --password-file, not both', USERS_USAGE);
  let text: string;
  if (file !== undefined) {
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read --password-file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  } else if (values['password-stdin'] === true) {
    if (io.stdin === undefined) throw new CliError('no standard input to read the password from');
    text = await io.stdin();
  } else {
    throw new UsageError('missing password: --password-stdin or --password-file FILE', USERS_USAGE);
  }
  // `echo pw | tessera …` and files written by editors end with one newline that is not part of the password.
  return text.replace(/\r?\n$/, '');
}

type Users = UserAdmin;

async function openUsers(storage: Storage, masterKey?: Buffer) {
  return (await serverApi()).userAdminFor(storage, masterKey);
}

/** Look a user up by id or username; an unknown one is a failure (exit 1), not a usage error. */
async function resolve(users: Users, who: string) {
  const user = await users.get(who);
  if (user === undefined) throw new CliError(`no user ${who}`);
  return user;
}

export async function usersCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') return io.out(USERS_USAGE), 0;
  if (sub === undefined) throw new UsageError('missing command (create, list, show, disable, enable, set-password or totp)', USERS_USAGE);
  switch (sub) {
    case 'create':
      return create(rest, io);
    case 'list':
      return list(rest, io);
    case 'show':
    case 'disable':
    case 'enable':
      return single(sub, rest, io);
    case 'set-password':
      return setPassword(rest, io);
    case 'totp':
      return totp(rest, io);
    default:
      throw new UsageError(`unknown users command "${sub}"`, USERS_USAGE);
  }
}

async function create(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { ...STORAGE_FLAGS, ...JSON_FLAG, ...PASSWORD_FLAGS, username: { type: 'string' }, email: { type: 'string' }, 'email-verified': { type: 'boolean' }, groups: { type: 'string', multiple: true } }, USERS_USAGE);
  if (values.help) return io.out(USERS_USAGE), 0;
  const username = str(values, 'username', USERS_USAGE, true);
  const email = str(values, 'email', USERS_USAGE);
  if (values['email-verified'] === true && email === undefined) throw new UsageError('--email-verified needs --email', USERS_USAGE);
  const password = await readPassword(values, io);
  const user = await withStore(storeSettings(values, io.env, io.cwd), async (s) =>
    (await openUsers(s)).create({ username, password, ...(email !== undefined && { email, emailVerified: values['email-verified'] === true }), groups: words(values, 'groups') }),
  );
  printUser(io, user, values.json === true);
  return 0;
}

async function list(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { ...STORAGE_FLAGS, ...JSON_FLAG, limit: { type: 'string' }, after: { type: 'string' } }, USERS_USAGE);
  if (values.help) return io.out(USERS_USAGE), 0;
  const limitText = str(values, 'limit', USERS_USAGE);
  if (limitText !== undefined && (!/^\d{1,3}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 500)) throw new UsageError(`--limit must be a number from 1 to 500, not "${limitText}"`, USERS_USAGE);
  const after = str(values, 'after', USERS_USAGE);
  const page = await withStore(storeSettings(values, io.env, io.cwd), async (s) =>
    (await openUsers(s)).list({ limit: limitText === undefined ? 100 : Number(limitText), ...(after !== undefined && { after }) }),
  );
  if (values.json) return io.out(json({ users: page.users.map(view), next: page.next })), 0;
  if (page.users.length === 0) return io.out('no users (create one: tessera users create --username NAME --password-stdin)'), 0;
  io.out(table(['ID', 'USERNAME', 'EMAIL', 'STATUS', 'TOTP', 'GROUPS'], page.users.map((u) => [u.id, u.username, u.email, u.status, u.totp, u.groups.join(',')])));
  if (page.next !== null) io.out(`more: tessera users list --after ${page.next}`);
  return 0;
}

/**
 * Run a change that ends sessions: through the server's keys when the master key is there (clients
 * get back-channel logout), else on the store alone, saying that clients were not told.
 */
async function endingSessions<T>(values: Parsed['values'], io: Io, fn: (users: Users) => Promise<T>): Promise<{ value: T; logout: DeliveryResult[] | undefined }> {
  const settings = startSettings(values, io.env, io.cwd);
  return withStore(settings.store, async (s) => {
    let masterKey: Buffer | undefined;
    try {
      masterKey = loadMasterKey(io.env, settings.store.dataDir, { dev: false, storeHasKeys: true }).key;
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      io.err('tessera: no master key, so clients with back-channel logout are not told (their sessions end here all the same)');
      return { value: await fn(await openUsers(s)), logout: undefined };
    }
    return (await serverApi()).withServerUsers(s, settings, masterKey, fn);
  });
}

/** Failures go to stderr in every mode (the change itself succeeded); the success count only in text mode. */
function printLogout(io: Io, results: readonly DeliveryResult[] | undefined, asJson: boolean): void {
  for (const r of results ?? []) {
    if (!r.delivered) io.err(`tessera: back-channel logout to client ${r.clientId} failed after ${r.attempts} attempt(s): ${r.outcome}`);
  }
  const told = (results ?? []).filter((r) => r.delivered).length;
  if (told > 0 && !asJson) io.out(`back-channel logout delivered to ${told} client(s)`);
}

const logoutJson = (results: readonly DeliveryResult[] | undefined) =>
  results?.map((r) => ({ client_id: r.clientId, ...(r.sid !== undefined && { sid: r.sid }), delivered: r.delivered, outcome: r.outcome })) ?? null;

async function single(sub: 'show' | 'disable' | 'enable', argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...STORAGE_FLAGS, ...JSON_FLAG, ...(sub === 'disable' && { issuer: { type: 'string' } }) }, USERS_USAGE, { min: 1, max: 1, name: 'USER (id or username)' });
  if (values.help) return io.out(USERS_USAGE), 0;
  const asJson = values.json === true;
  const who = positionals[0]!;
  if (sub === 'disable') {
    const { value: done, logout } = await endingSessions(values, io, async (users) => (await users.disable((await resolve(users, who)).id))!);
    printUser(io, done.user, asJson, { revoked_sessions: done.revoked.sids.length, revoked_tokens: done.revoked.tokens, backchannel_logout: logoutJson(logout) });
    if (!asJson) io.out(`revoked ${done.revoked.sids.length} session(s) and ${done.revoked.tokens} token(s)`);
    printLogout(io, logout, asJson);
    return 0;
  }
  return withStore(storeSettings(values, io.env, io.cwd), async (s) => {
    const users = await openUsers(s);
    const user = await resolve(users, who);
    if (sub === 'show') return printUser(io, user, asJson), 0;
    return printUser(io, (await users.enable(user.id))!, asJson), 0;
  });
}

async function setPassword(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...STORAGE_FLAGS, ...JSON_FLAG, ...PASSWORD_FLAGS, 'keep-sessions': { type: 'boolean' }, issuer: { type: 'string' } }, USERS_USAGE, { min: 1, max: 1, name: 'USER (id or username)' });
  if (values.help) return io.out(USERS_USAGE), 0;
  const password = await readPassword(values, io);
  const { value: done, logout } = await endingSessions(values, io, async (users) => {
    const user = await resolve(users, positionals[0]!);
    return (await users.setPassword(user.id, password, { keepSessions: values['keep-sessions'] === true }))!;
  });
  const asJson = values.json === true;
  printUser(io, done.user, asJson, { revoked_sessions: done.revoked.sids.length, revoked_tokens: done.revoked.tokens, backchannel_logout: logoutJson(logout) });
  if (!asJson) io.out(`password changed; revoked ${done.revoked.sids.length} session(s) and ${done.revoked.tokens} token(s)`);
  printLogout(io, logout, asJson);
  return 0;
}

async function totp(argv: string[], io: Io): Promise<number> {
  const [action, ...rest] = argv;
  if (action === '--help' || action === '-h') return io.out(USERS_USAGE), 0;
  if (action !== 'enrol' && action !== 'confirm' && action !== 'reset') {
    const missing = action === undefined || action.startsWith('-');
    throw new UsageError(missing ? 'missing totp command (enrol, confirm or reset)' : `unknown totp command "${action}"`, USERS_USAGE);
  }
  const { values, positionals } = parse(rest, { ...STORAGE_FLAGS, ...JSON_FLAG, ...(action === 'confirm' && { code: { type: 'string' } }) }, USERS_USAGE, { min: 1, max: 1, name: 'USER (id or username)' });
  if (values.help) return io.out(USERS_USAGE), 0;
  const code = action === 'confirm' ? str(values, 'code', USERS_USAGE, true) : undefined;
  const settings = storeSettings(values, io.env, io.cwd);
  const asJson = values.json === true;
  return withStore(settings, async (s) => {
    const masterKey = loadMasterKey(io.env, settings.dataDir, { dev: false, storeHasKeys: true }).key;
    const users = await openUsers(s, masterKey);
    const user = await resolve(users, positionals[0]!);
    if (action === 'enrol') {
      const started = await users.totp.start(user.id);
      if (asJson) io.out(json({ id: user.id, username: user.username, otpauth_uri: started.otpauthUri, secret: started.secret }));
      else {
        io.out(started.otpauthUri);
        io.out(`Add it to an authenticator app, then: tessera users totp confirm ${user.username} --code <6 digits>`);
      }
      return 0;
    }
    if (action === 'confirm') return printUser(io, await users.totp.confirm(user.id, code!), asJson), 0;
    await users.totp.reset(user.id);
    return printUser(io, (await users.get(user.id))!, asJson), 0;
  });
}
