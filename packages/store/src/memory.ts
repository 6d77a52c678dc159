import { ConflictError } from './contracts/index.js';
import { pageLimit } from './limit.js';
import { memoryLoginThrottle, memorySessions, memoryUsers } from './memory-accounts.js';
import { memoryAuthorizationCodes, memoryDeviceCodes, memoryGrants } from './memory-flows.js';
import { memoryDevices } from './memory-devices.js';
import { memoryPushedRequests } from './memory-pushed.js';
import { memoryCutoffs, memoryDecisionLog, memorySsf } from './memory-signals.js';
import { rotationRefusal, unrotated } from './rotation.js';
import type {
  ClientRecord,
  ClientStore,
  KeyStore,
  ReplayStore,
  ResourceRecord,
  ResourceStore,
  RevocationRecord,
  RevocationStore,
  SigningKeyRecord,
  Storage,
  TokenRecord,
  TokenStore,
} from './contracts/index.js';

/** Options for {@link createMemoryStorage}. */
export interface MemoryStorageOptions {
  /** Clock for replay-marker expiry, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
}

/**
 * In-process storage for tests and development. NOT FOR PRODUCTION: nothing survives a restart and
 * nothing is shared between nodes. Every method honours the atomicity documented on the contract
 * (trivially, since each runs synchronously on one event loop) and copies records in and out, so a
 * caller mutating an object it passed or received never changes what is stored.
 */
export function createMemoryStorage(options: MemoryStorageOptions = {}): Storage {
  const now = options.now ?? Date.now;
  const clients = new Map<string, ClientRecord>();
  const resources = new Map<string, ResourceRecord>();
  const tokens = new Map<string, TokenRecord>();
  const revocations = new Map<string, RevocationRecord>();
  const keys = new Map<string, SigningKeyRecord>();
  const replay = new Map<string, number>();

  const clientStore: ClientStore = crud(clients, 'client', (r) => r.clientId);
  const resourceStore: ResourceStore = crud(resources, 'resource', (r) => r.id);

  const revokeWhere = (matches: (t: TokenRecord) => boolean, at: Date): number => {
    let changed = 0;
    for (const token of tokens.values()) {
      if (token.revokedAt === null && matches(token)) {
        token.revokedAt = new Date(at.getTime());
        changed++;
      }
    }
    return changed;
  };

  const tokenStore: TokenStore = {
    async put(record) {
      if (tokens.has(record.hash)) throw new ConflictError('token', record.jti);
      tokens.set(record.hash, unrotated(record));
    },
    async get(hash) {
      const found = tokens.get(hash);
      return found && copy(found);
    },
    async revoke(hash, at) {
      const found = tokens.get(hash);
      if (!found) return undefined;
      found.revokedAt ??= new Date(at.getTime());
      return copy(found);
    },
    async revokeByGrant(grantId, at) {
      return revokeWhere((t) => t.grantId === grantId, at);
    },
    async revokeBySubject(subject, at) {
      return revokeWhere((t) => t.subject === subject, at);
    },
    async revokeBySession(sessionId, at) {
      return revokeWhere((t) => t.sessionId === sessionId, at);
    },
    async revokeByDevice(deviceId, at) {
      return revokeWhere((t) => t.deviceId === deviceId, at);
    },
    async listByDevice(deviceId, limit) {
      return [...tokens.values()]
        .filter((t) => t.deviceId === deviceId)
        .sort((a, b) => b.issuedAt.getTime() - a.issuedAt.getTime() || compare(b.hash, a.hash))
        .slice(0, pageLimit(limit))
        .map(copy);
    },
    async rotate(hash, successor, at) {
      const old = tokens.get(hash);
      if (!old) return { status: 'not_found' };
      const refusal = rotationRefusal(old, at);
      if (refusal) return { status: refusal, record: copy(old) };
      if (tokens.has(successor.hash)) throw new ConflictError('token', successor.jti);
      tokens.set(successor.hash, unrotated(successor));
      old.rotatedAt = new Date(at.getTime());
      old.successorHash = successor.hash;
      return { status: 'rotated', record: copy(old) };
    },
    async pruneExpired(before) {
      return deleteWhere(tokens, (t) => t.expiresAt.getTime() < before.getTime());
    },
  };

  const revocationStore: RevocationStore = {
    async add(record) {
      if (!revocations.has(record.jti)) revocations.set(record.jti, copy(record));
    },
    async get(jti) {
      const found = revocations.get(jti);
      return found && copy(found);
    },
    async listSince(since, limit) {
      return [...revocations.values()]
        .filter((r) => r.revokedAt.getTime() >= since.getTime())
        .sort((a, b) => a.revokedAt.getTime() - b.revokedAt.getTime() || compare(a.jti, b.jti))
        .slice(0, pageLimit(limit))
        .map(copy);
    },
    async pruneExpired(before) {
      return deleteWhere(revocations, (r) => r.expiresAt.getTime() < before.getTime());
    },
  };

  const keyStore: KeyStore & { pruneRemoved(before: Date): number } = {
    async list() {
      return [...keys.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).map(copy);
    },
    async insert(record) {
      if (keys.has(record.kid)) throw new ConflictError('signing key', record.kid);
      keys.set(record.kid, copy(record));
    },
    async transition(kid, from, patch) {
      const found = keys.get(kid);
      if (!found || found.state !== from) return false;
      keys.set(kid, { ...found, ...copy(patch) });
      return true;
    },
    async delete(kid) {
      return keys.delete(kid);
    },
    pruneRemoved(before) {
      return deleteWhere(keys, (k) => k.removeAfter !== null && k.removeAfter.getTime() < before.getTime());
    },
  };

  const replayStore: ReplayStore = {
    async use(key, expiresAt) {
      const existing = replay.get(key);
      if (existing !== undefined && existing > now()) return false;
      replay.set(key, expiresAt.getTime());
      return true;
    },
    async pruneExpired(before) {
      return deleteWhere(replay, (expiresAt) => expiresAt < before.getTime());
    },
  };

  const sessions = memorySessions();
  const loginThrottle = memoryLoginThrottle();
  const authorizationCodes = memoryAuthorizationCodes();
  const grants = memoryGrants();
  const deviceCodes = memoryDeviceCodes();
  const cutoffs = memoryCutoffs();
  const { ssfStreams, ssfEvents } = memorySsf();
  const pushedRequests = memoryPushedRequests();

  return {
    kind: 'memory',
    clients: clientStore,
    resources: resourceStore,
    tokens: tokenStore,
    revocations: revocationStore,
    keys: keyStore,
    replay: replayStore,
    users: memoryUsers(),
    sessions,
    loginThrottle,
    authorizationCodes,
    grants,
    deviceCodes,
    devices: memoryDevices(),
    decisionLog: memoryDecisionLog(),
    cutoffs,
    ssfStreams,
    ssfEvents,
    pushedRequests,
    async migrate() {},
    async ping() {},
    async pruneExpired(before) {
      return {
        tokens: await tokenStore.pruneExpired(before),
        revocations: await revocationStore.pruneExpired(before),
        replay: await replayStore.pruneExpired(before),
        keys: keyStore.pruneRemoved(before),
        sessions: await sessions.pruneExpired(before),
        loginThrottle: await loginThrottle.pruneExpired(before),
        authorizationCodes: await authorizationCodes.pruneExpired(before),
        deviceCodes: await deviceCodes.pruneExpired(before),
        grants: await grants.pruneExpired(before),
        cutoffs: await cutoffs.pruneExpired(before),
        ssfEvents: await ssfEvents.pruneDelivered(before),
        pushedRequests: await pushedRequests.pruneExpired(before),
      };
    },
    async close() {},
  };
}

interface Timestamped {
  createdAt: Date;
}

/** create/get/list/update/delete over a map, shared by clients and resources. */
function crud<T extends Timestamped>(map: Map<string, T>, entity: string, keyOf: (r: T) => string) {
  return {
    async create(record: T) {
      const key = keyOf(record);
      if (map.has(key)) throw new ConflictError(entity, key);
      map.set(key, copy(record));
    },
    async get(key: string) {
      const found = map.get(key);
      return found && copy(found);
    },
    async list() {
      return [...map.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).map(copy);
    },
    async update(record: T) {
      const key = keyOf(record);
      if (!map.has(key)) return false;
      map.set(key, copy(record));
      return true;
    },
    async delete(key: string) {
      return map.delete(key);
    },
  };
}

function deleteWhere<T>(map: Map<string, T>, expired: (value: T) => boolean): number {
  let count = 0;
  for (const [key, value] of map) {
    if (expired(value)) {
      map.delete(key);
      count++;
    }
  }
  return count;
}

/** Deep copy that keeps `Date`s as `Date`s. */
function copy<T>(value: T): T {
  return structuredClone(value);
}

/** Code-unit order, the same as SQL `ORDER BY` on text with the binary collation. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
