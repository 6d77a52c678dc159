import { Writable } from 'node:stream';
import { createMemoryStorage, type SigningKeyRecord, type Storage } from '@tessera/store';
import { expect } from 'vitest';
import { AdminError, createTessera, KeyManager, type Tessera } from '../src/index.js';

export const ISSUER = 'http://localhost:3000';
export const JWT_API = 'https://api.example.com';
export const OPAQUE_API = 'https://opaque.example.com';
/** A fixed instant: 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1);

/** A controllable clock. */
export function frozenClock(start = T0) {
  let now = start;
  return {
    now: () => now,
    advance(seconds: number) {
      now += seconds * 1000;
    },
  };
}

/** Captures every log line the server writes. */
export function logCapture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => lines.join('') };
}

export interface Fixture {
  tessera: Tessera;
  storage: Storage;
  clock: ReturnType<typeof frozenClock>;
  logs: ReturnType<typeof logCapture>;
  /** A client_credentials client allowed both APIs with scopes read, write. */
  client: { id: string; secret: string };
  /** A second, unrelated client for the same APIs. */
  other: { id: string; secret: string };
  basic(id: string, secret: string): string;
  close(): Promise<void>;
}

/** The master key of {@link setup} servers (and of {@link seedKeys}' records). */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7);

let seeded: Promise<SigningKeyRecord[]> | undefined;

/**
 * Copy one set of signing keys (current and next for ES256, EdDSA and RS256, made at {@link T0} under
 * {@link TEST_MASTER_KEY}) into a fresh storage, so a server started on it at T0 generates none: RSA
 * key generation costs about a second on a busy machine, per server. Generated once per test file.
 */
export async function seedKeys(storage: Pick<Storage, 'keys'>): Promise<void> {
  seeded ??= (async () => {
    const source = createMemoryStorage({ now: () => T0 });
    await new KeyManager({ store: source.keys, masterKey: TEST_MASTER_KEY, algs: ['ES256', 'EdDSA', 'RS256'], now: () => T0 }).init();
    const records = await source.keys.list();
    await source.close();
    return records;
  })();
  for (const record of await seeded) await storage.keys.insert(structuredClone(record));
}

/** A server on memory storage with a frozen clock, two resources and two clients. */
export async function setup(overrides: { logLevel?: 'info' | 'debug' } = {}): Promise<Fixture> {
  const clock = frozenClock();
  const logs = logCapture();
  const storage = createMemoryStorage({ now: clock.now });
  await seedKeys(storage);
  const tessera = await createTessera({
    config: {
      issuer: ISSUER,
      dev: true,
      store: { kind: 'memory' },
      keys: { masterKey: TEST_MASTER_KEY },
      server: { logLevel: overrides.logLevel ?? 'info' },
    },
    storage,
    now: clock.now,
    logStream: logs.stream,
  });
  await tessera.admin.createResource({ id: JWT_API, tokenFormat: 'jwt', ttl: '10m', scopes: ['read', 'write', 'admin'] });
  await tessera.admin.createResource({ id: OPAQUE_API, tokenFormat: 'opaque', ttl: 600, scopes: ['read', 'write'] });
  const a = await tessera.admin.createClient({ name: 'svc', scopes: ['read', 'write'], resources: [JWT_API, OPAQUE_API] });
  const b = await tessera.admin.createClient({
    name: 'other',
    scopes: ['read'],
    resources: [JWT_API, OPAQUE_API],
    authMethod: 'client_secret_post',
  });
  return {
    tessera,
    storage,
    clock,
    logs,
    client: { id: a.client.clientId, secret: a.clientSecret },
    other: { id: b.client.clientId, secret: b.clientSecret },
    basic: (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
    close: async () => {
      await tessera.close();
      await storage.close();
    },
  };
}

export const FORM = 'application/x-www-form-urlencoded';

/** Encode form parameters (in order, repeats allowed). */
export function form(pairs: [string, string][] | Record<string, string>): string {
  const entries = Array.isArray(pairs) ? pairs : Object.entries(pairs);
  return entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/** The message of the AdminError a promise rejects with; fails the test if it resolves or throws anything else. */
export async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AdminError);
    return (error as Error).message;
  }
  throw new Error('expected an AdminError');
}
