import { parse, STORAGE_FLAGS } from '../args.js';
import type { Io } from '../io.js';
import { serverApi } from '../lazy.js';
import { devKeyWarning, loadMasterKey } from '../master-key.js';
import type { StartSettings } from '../settings.js';
import { choosePortForDefaultIssuer, DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, startSettings } from '../settings.js';
import { openStore } from '../storage.js';

export const START_USAGE = `usage: tessera start [--config FILE] [--port N] [--host H] [--issuer URL] [--data DIR]
                    [--store sqlite|postgres] [--database-url URL] [--dev]

  --config FILE       TESSERA_CONFIG     JSON file of server settings, shaped like the configuration
                                         reference (packages/server/README.md), e.g.
                                         {"keys": {"accessTokenAlg": "EdDSA"}, "ttl": {"accessTokenMax": "12h"}};
                                         unknown keys are refused; the master key is not read from it
  --port N            PORT               listen port (default ${DEFAULT_PORT}; 0 = any free port)
  --host H            HOST               listen address (default ${DEFAULT_HOST}; 0.0.0.0 for all)
  --issuer URL        TESSERA_ISSUER     issuer identifier (default http://localhost:<port>, with port 0
                                         the port chosen); https unless the host is localhost
  --data DIR          TESSERA_DATA_DIR   data directory (default ${DEFAULT_DATA_DIR}, created 0700)
  --store KIND        TESSERA_STORE      sqlite (default: <data>/tessera.db) or postgres
  --database-url URL  TESSERA_DATABASE_URL  postgres://… when --store postgres
  --dev                                  development: generate a master key into <data>/master.key
                      TESSERA_MASTER_KEY / TESSERA_MASTER_KEY_FILE  key encrypting signing keys at rest
                      TESSERA_LOG_LEVEL  fatal|error|warn|info|debug|trace|silent (default info)
                      TESSERA_POLICY_FILE  Cedar access policies (see docs/device-trust.md); a policy
                                         that does not load stops the start with Cedar's message
                      TESSERA_POLICY_PRESET  default|device-trust, when no policy file is given
                      TESSERA_DEVICES_CONFIG  JSON file replacing the config file's devices section
                      TESSERA_ACCESS_TOKEN_ALG  ES256|EdDSA|RS256, over the file's keys.accessTokenAlg
Flags win over environment variables, which win over the config file, which wins over defaults.
An invalid setting (flag, variable or config file) exits 2; the config file's are named by their path.`;

const START_FLAGS = {
  ...STORAGE_FLAGS,
  port: { type: 'string' },
  host: { type: 'string' },
  issuer: { type: 'string' },
  dev: { type: 'boolean' },
} as const;

/** How to get a first token, with the flags this server was started with. */
function firstSteps(s: StartSettings, defaultData: boolean): string {
  const store = s.store.kind === 'postgres' ? ' --store postgres --database-url "$TESSERA_DATABASE_URL"' : defaultData ? '' : ` --data ${s.store.dataDir}`;
  const api = 'https://api.example.com';
  return [
    'Create a first client (in another terminal):',
    `  npx tessera resources create --id ${api} --format jwt --scopes "read write" --ttl 10m${store}`,
    `  npx tessera clients create --name my-service --grant-types client_credentials --scope "read" --resource ${api}${store}`,
    'then get a token with the printed client_id and client_secret:',
    `  curl -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials -d scope=read -d resource=${api} ${s.issuer}/token`,
  ].join('\n');
}

/** `tessera start`: serve until SIGINT/SIGTERM, then close the server and the storage. */
export async function startCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, START_FLAGS, START_USAGE);
  if (values.help) return io.out(START_USAGE), 0;
  const chosen = startSettings(values, io.env, io.cwd);
  // Before the store is opened (or a data directory created): a bad file changes nothing.
  if (chosen.configFile !== undefined) (await serverApi()).checkConfig(chosen);
  const settings = await choosePortForDefaultIssuer(chosen);
  const storage = await openStore(settings.store);
  let server: Awaited<ReturnType<Awaited<ReturnType<typeof serverApi>>['startTessera']>>;
  try {
    const storeHasKeys = (await storage.keys.list()).length > 0;
    const master = loadMasterKey(io.env, settings.store.dataDir, { dev: settings.dev, storeHasKeys });
    if (master.source === 'generated') io.err(devKeyWarning(settings.store.dataDir));
    else if (master.source === 'data-dir' && !settings.dev) {
      io.err(`tessera: WARNING: using the dev master key in ${settings.store.dataDir}; it lies beside the keys it protects. Move it out and set TESSERA_MASTER_KEY_FILE.`);
    }
    server = await (await serverApi()).startTessera(storage, settings, master.key);
  } catch (err) {
    await storage.close().catch(() => undefined);
    throw err;
  }

  io.out(`Tessera is listening on ${server.url}`);
  io.out(`issuer:    ${settings.issuer}`);
  io.out(`discovery: ${settings.issuer}/.well-known/oauth-authorization-server`);
  io.out(`store:     ${settings.store.kind === 'sqlite' ? settings.store.filename : 'postgres'}`);
  io.out(firstSteps(settings, values.data === undefined && !io.env.TESSERA_DATA_DIR));

  return new Promise<number>((resolve) => {
    let closing = false;
    const stop = (signal: NodeJS.Signals) => {
      if (closing) {
        io.err(`tessera: second ${signal}, exiting without waiting`);
        return resolve(1);
      }
      closing = true;
      io.err(`tessera: ${signal} received, shutting down`);
      server
        .close()
        .then(() => storage.close())
        .then(
          () => resolve(0),
          (err: unknown) => {
            io.err(`tessera: error while shutting down: ${(err as Error).message}`);
            resolve(1);
          },
        );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
