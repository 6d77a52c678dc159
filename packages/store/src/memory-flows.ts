import { ConflictError } from './contracts/index.js';
import { nextPoll } from './device-poll.js';
import type {
  AuthorizationCodeRecord,
  AuthorizationCodeStore,
  ConsentRecord,
  DeviceCodeRecord,
  DeviceCodeStore,
  DevicePoll,
  GrantRecord,
  GrantStore,
} from './contracts/index.js';

/** Deep copy that keeps `Date`s as `Date`s. */
const copy = <T>(value: T): T => structuredClone(value);
const ms = (d: Date): number => d.getTime();

function prune<T>(map: Map<string, T>, expired: (value: T) => boolean): number {
  let n = 0;
  for (const [key, value] of map) if (expired(value) && map.delete(key)) n++;
  return n;
}

/** In-memory authorization codes (not for production). Each method runs synchronously, hence atomically. */
export function memoryAuthorizationCodes(): AuthorizationCodeStore {
  const codes = new Map<string, AuthorizationCodeRecord>();
  return {
    async create(record) {
      if (codes.has(record.hash)) throw new ConflictError('authorization code', record.hash);
      codes.set(record.hash, copy(record));
    },
    async consume(hash, at) {
      const found = codes.get(hash);
      if (!found) return { status: 'not_found' };
      if (found.consumedAt !== null) return { status: 'replayed', record: copy(found) };
      const next = { ...found, consumedAt: new Date(ms(at)) };
      codes.set(hash, next);
      return { status: 'ok', record: copy(next) };
    },
    async pruneExpired(before) {
      return prune(codes, (c) => ms(c.expiresAt) < ms(before));
    },
  };
}

interface ConsentItem {
  grantedAt: number;
}

/** In-memory grants and consent (not for production). */
export function memoryGrants(): GrantStore {
  const grants = new Map<string, GrantRecord>();
  // Consent as a set of items per (user, client), like the SQL table: `scope:x` / `resource:y`.
  const consent = new Map<string, Map<string, ConsentItem>>();
  const pair = (userId: string, clientId: string) => JSON.stringify([userId, clientId]);

  function consentOf(userId: string, clientId: string): ConsentRecord | undefined {
    const items = consent.get(pair(userId, clientId));
    if (!items || items.size === 0) return undefined;
    const keys = [...items.keys()].sort(compare);
    const times = [...items.values()].map((i) => i.grantedAt);
    return {
      userId, clientId,
      scopes: keys.filter((k) => k.startsWith('scope:')).map((k) => k.slice(6)),
      resources: keys.filter((k) => k.startsWith('resource:')).map((k) => k.slice(9)),
      createdAt: new Date(Math.min(...times)),
      updatedAt: new Date(Math.max(...times)),
    };
  }

  return {
    async create(record) {
      if (grants.has(record.id)) throw new ConflictError('grant', record.id);
      grants.set(record.id, copy(record));
    },
    async get(id) {
      const found = grants.get(id);
      return found && copy(found);
    },
    async update(id, change, at) {
      const found = grants.get(id);
      if (!found || found.revokedAt !== null) return undefined;
      const next = { ...found, scope: [...change.scope], resources: [...change.resources], updatedAt: new Date(ms(at)) };
      grants.set(id, next);
      return copy(next);
    },
    async revoke(id, at) {
      const found = grants.get(id);
      if (!found) return undefined;
      const next = found.revokedAt === null ? { ...found, revokedAt: new Date(ms(at)) } : found;
      grants.set(id, next);
      return copy(next);
    },
    async listByUser(userId) {
      return [...grants.values()]
        .filter((g) => g.userId === userId && g.revokedAt === null)
        .sort((a, b) => ms(a.createdAt) - ms(b.createdAt) || compare(a.id, b.id))
        .map(copy);
    },
    async findConsent(userId, clientId) {
      return consentOf(userId, clientId);
    },
    async saveConsent(userId, clientId, granted, at) {
      const key = pair(userId, clientId);
      const items = consent.get(key) ?? new Map<string, ConsentItem>();
      consent.set(key, items);
      const names = [...granted.scopes.map((s) => `scope:${s}`), ...granted.resources.map((r) => `resource:${r}`)];
      for (const name of names) if (!items.has(name)) items.set(name, { grantedAt: ms(at) });
      const saved = consentOf(userId, clientId);
      if (!saved) consent.delete(key);
      // Saving nothing to a pair with no consent leaves nothing; report it as an empty consent.
      return saved ?? { userId, clientId, scopes: [], resources: [], createdAt: new Date(ms(at)), updatedAt: new Date(ms(at)) };
    },
    async revokeConsent(userId, clientId) {
      return consent.delete(pair(userId, clientId));
    },
    async pruneExpired(before) {
      return prune(grants, (g) => g.revokedAt !== null && ms(g.revokedAt) < ms(before));
    },
  };
}

/** In-memory device codes (not for production). */
export function memoryDeviceCodes(): DeviceCodeStore {
  const codes = new Map<string, DeviceCodeRecord>();
  const byUserCode = (userCode: string) => [...codes.values()].find((c) => c.userCode === userCode);

  function decide(userCode: string, at: Date, patch: Partial<DeviceCodeRecord>): DeviceCodeRecord | undefined {
    const found = byUserCode(userCode);
    if (!found || found.status !== 'pending' || ms(found.expiresAt) <= ms(at)) return undefined;
    const next = { ...found, ...copy(patch) };
    codes.set(found.hash, next);
    return copy(next);
  }

  return {
    async create(record) {
      const holder = byUserCode(record.userCode);
      if (codes.has(record.hash) || (holder && ms(holder.expiresAt) > ms(record.createdAt))) {
        throw new ConflictError('device code', record.userCode);
      }
      if (holder) codes.delete(holder.hash);
      codes.set(record.hash, copy(record));
    },
    async findByUserCode(userCode) {
      const found = byUserCode(userCode);
      return found && copy(found);
    },
    async approve(userCode, approval, at) {
      const patch: Partial<DeviceCodeRecord> = { status: 'approved', userId: approval.userId, grantId: approval.grantId, signIn: approval.signIn };
      return decide(userCode, at, approval.scope ? { ...patch, scope: [...approval.scope] } : patch);
    },
    async deny(userCode, userId, at) {
      return decide(userCode, at, { status: 'denied', userId });
    },
    async poll(hash, now): Promise<DevicePoll> {
      const found = codes.get(hash);
      if (!found) return { status: 'not_found' };
      const outcome = nextPoll(found, now);
      if (outcome.write) codes.set(hash, outcome.write);
      return copy(outcome.result);
    },
    async pruneExpired(before) {
      return prune(codes, (c) => ms(c.expiresAt) < ms(before));
    },
  };
}

/** Code-unit order, the same as SQL `ORDER BY` on text with the binary collation. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
