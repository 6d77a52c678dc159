import { readFile } from 'node:fs/promises';
import type { DeviceAdmin, DeviceTokenView, DeviceView } from '@tessera/server';
import type { PostureHistoryEntry, Storage } from '@tessera/store';
import { CliError, JSON_FLAG, parse, STORAGE_FLAGS, str, UsageError } from '../args.js';
import type { Io } from '../io.js';
import { json, table } from '../io.js';
import { serverApi } from '../lazy.js';
import { loadMasterKey } from '../master-key.js';
import { startSettings, storeSettings } from '../settings.js';
import { withStore } from '../storage.js';

export const DEVICES_USAGE = `usage: tessera devices enrol --platform P --os-version V --uem SOURCE --name NAME
                             [--user USER_ID] [--id ID] [--key FILE]... [--json]
       tessera devices list [--user USER_ID] [--uem SOURCE] [--limit N] [--after CURSOR] [--json]
       tessera devices show|delete ID [--json]
       tessera devices history ID [--limit N] [--json]
       tessera devices tokens ID [--limit N] [--json]

P is ios, ipados, android, macos, windows or linux. --uem names the UEM source whose webhook
(POST /signals/uem/SOURCE) reports the device. --key FILE holds a PUBLIC JWK (EC P-256, Ed25519 or
RSA >= 2048 bits; private keys are refused) that proves possession of the device (its DPoP key);
repeat it for several keys. --id sets the device id (e.g. the UEM's own id, so its webhooks can name
it); by default a random one is made. tokens lists the stored (refresh and opaque access) tokens bound
to the device. show prints the posture, the compliance verdict and, for a
device that is not compliant, every reason with what to do about it. Deleting from the command line
removes the device and its keys from the store; a running server's tokens bound to it are ended by
its continuous access evaluation only when the deletion goes through the server (admin API).
storage (same as tessera start): --data DIR, --store sqlite|postgres, --database-url URL, --config FILE`;

/** The snake_case JSON shape of a device, as every command prints it. */
const view = (d: DeviceView) => ({
  id: d.id,
  user_id: d.userId,
  platform: d.platform,
  os_version: d.osVersion,
  uem: d.uem,
  display_name: d.displayName,
  keys: d.keys.map((k) => ({ jkt: k.jkt, jwk: k.jwk, added_at: k.addedAt.toISOString() })),
  posture: d.posture && {
    event_id: d.posture.eventId,
    source: d.posture.source,
    reported_at: d.posture.reportedAt.toISOString(),
    received_at: d.posture.receivedAt.toISOString(),
    signals: d.posture.signals,
  },
  compliance: d.compliance && {
    compliant: d.compliance.compliant,
    evaluated_at: d.compliance.evaluatedAt.toISOString(),
    reasons: d.compliance.reasons.map((r) => ({ code: r.code, message: r.message, remediation: r.remediation })),
  },
  created_at: d.createdAt.toISOString(),
  updated_at: d.updatedAt.toISOString(),
});

const historyView = (h: PostureHistoryEntry) => ({
  event_id: h.eventId, source: h.source, reported_at: h.reportedAt.toISOString(), received_at: h.receivedAt.toISOString(), signals: h.signals,
});

const tokenJson = (t: DeviceTokenView) => ({
  jti: t.jti, kind: t.kind, client_id: t.clientId, subject: t.subject, session_id: t.sessionId, scope: t.scope, audience: t.audience,
  issued_at: t.issuedAt.toISOString(), expires_at: t.expiresAt.toISOString(), revoked_at: t.revokedAt?.toISOString() ?? null,
});

const verdict = (d: DeviceView) => (d.compliance === null ? 'not evaluated' : d.compliance.compliant ? 'compliant' : 'NOT compliant');

function printDevice(io: Io, d: DeviceView, asJson: boolean): void {
  if (asJson) return io.out(json(view(d)));
  io.out(`id:         ${d.id}`);
  io.out(`name:       ${d.displayName}`);
  io.out(`user:       ${d.userId ?? '–'}`);
  io.out(`platform:   ${d.platform} ${d.osVersion}`);
  io.out(`uem:        ${d.uem}`);
  io.out(`keys:       ${d.keys.map((k) => k.jkt).join(', ') || '–'}`);
  io.out(`posture:    ${d.posture ? `${JSON.stringify(d.posture.signals)} reported ${d.posture.reportedAt.toISOString()} by ${d.posture.source}` : 'none reported'}`);
  io.out(`compliance: ${verdict(d)}${d.compliance ? ` (evaluated ${d.compliance.evaluatedAt.toISOString()})` : ''}`);
  for (const r of d.compliance?.reasons ?? []) io.out(`  - ${r.code}: ${r.message}\n    fix: ${r.remediation}`);
}

async function openDevices(storage: Storage): Promise<DeviceAdmin> {
  return (await serverApi()).adminFor(storage).devices;
}

function limitOf(text: string | undefined): number {
  if (text === undefined) return 100;
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > 1000) throw new UsageError(`--limit must be a number from 1 to 1000, not "${text}"`, DEVICES_USAGE);
  return Number(text);
}

async function readKey(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read --key ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`--key ${file} is not a JSON JWK`);
  }
}

export async function devicesCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') return io.out(DEVICES_USAGE), 0;
  if (sub === undefined) throw new UsageError('missing command (enrol, list, show, delete, history or tokens)', DEVICES_USAGE);
  switch (sub) {
    case 'enrol':
    case 'enroll':
      return enrol(rest, io);
    case 'list':
      return list(rest, io);
    case 'show':
    case 'delete':
    case 'history':
    case 'tokens':
      return single(sub, rest, io);
    default:
      throw new UsageError(`unknown devices command "${sub}"`, DEVICES_USAGE);
  }
}

async function enrol(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, {
    ...STORAGE_FLAGS, ...JSON_FLAG, platform: { type: 'string' }, 'os-version': { type: 'string' }, uem: { type: 'string' },
    name: { type: 'string' }, user: { type: 'string' }, id: { type: 'string' }, key: { type: 'string', multiple: true },
  }, DEVICES_USAGE);
  if (values.help) return io.out(DEVICES_USAGE), 0;
  const keyFiles = (values.key as string[] | undefined) ?? [];
  const keys = await Promise.all(keyFiles.map(readKey));
  const id = str(values, 'id', DEVICES_USAGE);
  const user = str(values, 'user', DEVICES_USAGE);
  const input = {
    platform: str(values, 'platform', DEVICES_USAGE, true) as 'macos',
    osVersion: str(values, 'os-version', DEVICES_USAGE, true),
    uem: str(values, 'uem', DEVICES_USAGE, true),
    displayName: str(values, 'name', DEVICES_USAGE, true),
    userId: user ?? null,
    keys,
    ...(id !== undefined && { id }),
  };
  const device = await withStore(storeSettings(values, io.env, io.cwd), async (s) => (await openDevices(s)).enrol(input));
  printDevice(io, device, values.json === true);
  return 0;
}

async function list(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { ...STORAGE_FLAGS, ...JSON_FLAG, user: { type: 'string' }, uem: { type: 'string' }, limit: { type: 'string' }, after: { type: 'string' } }, DEVICES_USAGE);
  if (values.help) return io.out(DEVICES_USAGE), 0;
  const limit = limitOf(str(values, 'limit', DEVICES_USAGE));
  const user = str(values, 'user', DEVICES_USAGE);
  const uem = str(values, 'uem', DEVICES_USAGE);
  const after = str(values, 'after', DEVICES_USAGE);
  const page = await withStore(storeSettings(values, io.env, io.cwd), async (s) =>
    (await openDevices(s)).list({ limit, ...(user !== undefined && { userId: user }), ...(uem !== undefined && { uem }), ...(after !== undefined && { after }) }));
  if (values.json) return io.out(json({ devices: page.devices.map(view), next: page.next })), 0;
  if (page.devices.length === 0) return io.out('no devices (enrol one: tessera devices enrol --platform macos --os-version 14.5 --uem SOURCE --name NAME)'), 0;
  io.out(table(['ID', 'NAME', 'USER', 'PLATFORM', 'UEM', 'COMPLIANCE', 'REASONS'], page.devices.map((d) => [
    d.id, d.displayName, d.userId, `${d.platform} ${d.osVersion}`, d.uem, verdict(d), d.compliance?.reasons.map((r) => r.code).join(',') ?? '',
  ])));
  if (page.next !== null) io.out(`more: tessera devices list --after ${page.next}`);
  return 0;
}

/**
 * Delete through the server's device registry when the master key is there (tokens bound to the device
 * are revoked and receivers told, as when a running server deletes it), else on the store alone, saying
 * what was not done.
 */
async function deleteDevice(storage: Storage, id: string, values: Record<string, unknown>, io: Io): Promise<boolean> {
  const settings = startSettings(values, io.env, io.cwd);
  let masterKey: Buffer;
  try {
    masterKey = loadMasterKey(io.env, settings.store.dataDir, { dev: false, storeHasKeys: true }).key;
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    io.err('tessera: no master key, so tokens bound to the device stay valid until they expire and no CAEP event is sent (the device is deleted all the same)');
    return (await openDevices(storage)).delete(id);
  }
  return (await serverApi()).withServerDevices(storage, settings, masterKey, (devices) => devices.delete(id));
}

async function single(sub: 'show' | 'delete' | 'history' | 'tokens', argv: string[], io: Io): Promise<number> {
  const paged = sub === 'history' || sub === 'tokens';
  const { values, positionals } = parse(argv, { ...STORAGE_FLAGS, ...JSON_FLAG, ...(paged && { limit: { type: 'string' } }) }, DEVICES_USAGE, { min: 1, max: 1, name: 'ID (the device id)' });
  if (values.help) return io.out(DEVICES_USAGE), 0;
  const id = positionals[0]!;
  const asJson = values.json === true;
  return withStore(storeSettings(values, io.env, io.cwd), async (s) => {
    const devices = await openDevices(s);
    if (sub === 'delete') {
      if (!(await deleteDevice(s, id, values, io))) throw new CliError(`no device ${id}`);
      io.out(asJson ? json({ id, deleted: true }) : `deleted device ${id}`);
      return 0;
    }
    const device = await devices.get(id);
    if (device === undefined) throw new CliError(`no device ${id}`);
    if (sub === 'show') return printDevice(io, device, asJson), 0;
    if (sub === 'tokens') {
      const tokens = await devices.tokens(id, limitOf(str(values, 'limit', DEVICES_USAGE)));
      if (asJson) return io.out(json({ device_id: id, tokens: tokens.map(tokenJson) })), 0;
      if (tokens.length === 0) return io.out(`no stored tokens bound to ${id}`), 0;
      io.out(table(['JTI', 'KIND', 'CLIENT', 'SUBJECT', 'ISSUED', 'EXPIRES', 'REVOKED'], tokens.map((t) => [
        t.jti, t.kind, t.clientId, t.subject, t.issuedAt.toISOString(), t.expiresAt.toISOString(), t.revokedAt?.toISOString() ?? '–',
      ])));
      return 0;
    }
    const entries = await devices.history(id, limitOf(str(values, 'limit', DEVICES_USAGE)));
    if (asJson) return io.out(json({ device_id: id, history: entries.map(historyView) })), 0;
    if (entries.length === 0) return io.out(`no posture reported for ${id}`), 0;
    io.out(table(['REPORTED', 'RECEIVED', 'SOURCE', 'EVENT', 'SIGNALS'], entries.map((h) => [
      h.reportedAt.toISOString(), h.receivedAt.toISOString(), h.source, h.eventId, JSON.stringify(h.signals),
    ])));
    return 0;
  });
}
