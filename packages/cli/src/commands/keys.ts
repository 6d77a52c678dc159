import { JSON_FLAG, parse, STORAGE_FLAGS, UsageError } from '../args.js';
import type { Io } from '../io.js';
import { serverApi } from '../lazy.js';
import { json, table } from '../io.js';
import { loadMasterKey } from '../master-key.js';
import { startSettings, storeSettings } from '../settings.js';
import { withStore } from '../storage.js';
import type { SigningKeyRecord } from '@tessera/store';

export const KEYS_USAGE = `usage: tessera keys list [--json]
       tessera keys rotate [--immediate] [--json]

Signing keys move next → current → retired: a next key is published in the JWKS before it signs, a
retired key stays published until the tokens it signed have expired. rotate starts the next rotation
now; with --immediate the new key signs at once (for a compromised key: tokens signed by the old key
keep verifying until it is removed). Running servers pick the change up on their next key tick.
rotate needs the master key (TESSERA_MASTER_KEY_FILE, TESSERA_MASTER_KEY, or <data>/master.key).
storage (same as tessera start): --data DIR, --store sqlite|postgres, --database-url URL, --config FILE`;

/** What may be shown of a key: never the (encrypted) private part. */
const view = (k: SigningKeyRecord) => ({
  kid: k.kid,
  alg: k.alg,
  state: k.state,
  created_at: k.createdAt.toISOString(),
  activates_at: k.activatesAt.toISOString(),
  retired_at: k.retiredAt?.toISOString() ?? null,
  remove_after: k.removeAfter?.toISOString() ?? null,
});

function print(io: Io, keys: SigningKeyRecord[], asJson: boolean): void {
  const rows = keys.map(view);
  if (asJson) return io.out(json(rows));
  if (rows.length === 0) return io.out('no signing keys yet (the server creates them at its first start)');
  io.out(table(['KID', 'ALG', 'STATE', 'ACTIVATES', 'REMOVE AFTER'], rows.map((r) => [r.kid, r.alg, r.state, r.activates_at, r.remove_after])));
}

export async function keysCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') return io.out(KEYS_USAGE), 0;
  if (sub === undefined) throw new UsageError('missing command (list or rotate)', KEYS_USAGE);
  if (sub === 'list') {
    const { values } = parse(rest, { ...STORAGE_FLAGS, ...JSON_FLAG }, KEYS_USAGE);
    if (values.help) return io.out(KEYS_USAGE), 0;
    const keys = await withStore(storeSettings(values, io.env, io.cwd), (s) => s.keys.list());
    print(io, keys, values.json === true);
    return 0;
  }
  if (sub === 'rotate') {
    const { values } = parse(rest, { ...STORAGE_FLAGS, ...JSON_FLAG, immediate: { type: 'boolean' } }, KEYS_USAGE);
    if (values.help) return io.out(KEYS_USAGE), 0;
    const settings = startSettings(values, io.env, io.cwd);
    const keys = await withStore(settings.store, async (s) => {
      const masterKey = loadMasterKey(io.env, settings.store.dataDir, { dev: false, storeHasKeys: true });
      await (await serverApi()).rotateKeys(s, settings, masterKey.key, { immediate: values.immediate === true });
      return s.keys.list();
    });
    print(io, keys, values.json === true);
    return 0;
  }
  throw new UsageError(`unknown keys command "${sub}"`, KEYS_USAGE);
}
