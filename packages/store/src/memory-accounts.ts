import { ConflictError } from './contracts/index.js';
import { pageLimit } from './limit.js';
import type {
  LoginThrottleStore,
  SessionRecord,
  SessionStore,
  ThrottleCounter,
  UserRecord,
  UserStore,
} from './contracts/index.js';

/** Deep copy that keeps `Date`s as `Date`s. */
const copy = <T>(value: T): T => structuredClone(value);

/** In-memory users (see `createMemoryStorage`: not for production). */
export function memoryUsers(): UserStore {
  const byId = new Map<string, UserRecord>();
  const idByUsername = new Map<string, string>();
  return {
    async create(record) {
      if (byId.has(record.id)) throw new ConflictError('user', record.id);
      if (idByUsername.has(record.username)) throw new ConflictError('user', record.username);
      byId.set(record.id, copy(record));
      idByUsername.set(record.username, record.id);
    },
    async get(id) {
      const found = byId.get(id);
      return found && copy(found);
    },
    async findByUsername(username) {
      const id = idByUsername.get(username);
      const found = id === undefined ? undefined : byId.get(id);
      return found && copy(found);
    },
    async update(id, patch, at) {
      const found = byId.get(id);
      if (!found) return undefined;
      const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      const next: UserRecord = { ...found, ...copy(defined), updatedAt: new Date(at.getTime()) };
      byId.set(id, next);
      return copy(next);
    },
    async useTotpStep(id, step, at) {
      const found = byId.get(id);
      const totp = found?.totp;
      if (!found || !totp || (totp.lastUsedStep !== null && totp.lastUsedStep >= step)) return false;
      byId.set(id, { ...found, totp: { ...totp, lastUsedStep: step }, updatedAt: new Date(at.getTime()) });
      return true;
    },
    async list({ limit, after }) {
      return [...byId.values()]
        .filter((u) => after === undefined || u.username > after)
        .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0))
        .slice(0, pageLimit(limit))
        .map(copy);
    },
  };
}

/** In-memory SSO sessions (not for production). */
export function memorySessions(): SessionStore & { size(): number } {
  const sessions = new Map<string, SessionRecord>();
  /** sid → client ids signed in there. */
  const clients = new Map<string, Set<string>>();
  return {
    size: () => sessions.size,
    async create(record) {
      if (sessions.has(record.idHash)) throw new ConflictError('session', record.sid);
      sessions.set(record.idHash, copy(record));
    },
    async get(idHash) {
      const found = sessions.get(idHash);
      return found && copy(found);
    },
    async touch(idHash, at) {
      const found = sessions.get(idHash);
      if (!found || found.revokedAt !== null) return false;
      sessions.set(idHash, { ...found, lastSeenAt: new Date(at.getTime()) });
      return true;
    },
    async revoke(idHash, at) {
      const found = sessions.get(idHash);
      if (!found) return undefined;
      const next = found.revokedAt === null ? { ...found, revokedAt: new Date(at.getTime()) } : found;
      sessions.set(idHash, next);
      return copy(next);
    },
    async revokeByUser(userId, at) {
      const revoked: SessionRecord[] = [];
      for (const [key, s] of sessions) {
        if (s.userId !== userId || s.revokedAt !== null) continue;
        const next = { ...s, revokedAt: new Date(at.getTime()) };
        sessions.set(key, next);
        revoked.push(copy(next));
      }
      return revoked;
    },
    async addClient(sid, clientId) {
      let set = clients.get(sid);
      if (set === undefined) clients.set(sid, (set = new Set()));
      set.add(clientId);
    },
    async clientsOf(sid) {
      return [...(clients.get(sid) ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    },
    async pruneExpired(before) {
      let n = 0;
      for (const [key, s] of sessions) if (s.expiresAt.getTime() < before.getTime() && sessions.delete(key)) n++;
      const live = new Set([...sessions.values()].map((s) => s.sid));
      for (const sid of clients.keys()) if (!live.has(sid)) clients.delete(sid);
      return n;
    },
  };
}

/** In-memory login-throttle counters (not for production: each node would count on its own). */
export function memoryLoginThrottle(): LoginThrottleStore {
  const counters = new Map<string, ThrottleCounter>();
  const live = (key: string, now: Date) => {
    const c = counters.get(key);
    return c && c.expiresAt.getTime() > now.getTime() ? c : undefined;
  };
  return {
    async increment(key, now, ttlSeconds) {
      const next: ThrottleCounter = {
        count: (live(key, now)?.count ?? 0) + 1,
        lastAt: new Date(now.getTime()),
        expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
      };
      counters.set(key, next);
      return copy(next);
    },
    async get(key, now) {
      const found = live(key, now);
      return found && copy(found);
    },
    async delete(key) {
      counters.delete(key);
    },
    async pruneExpired(before) {
      let n = 0;
      for (const [key, c] of counters) if (c.expiresAt.getTime() < before.getTime() && counters.delete(key)) n++;
      return n;
    },
  };
}
