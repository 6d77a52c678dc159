import { randomUUID } from 'node:crypto';
import { ConflictError } from './contracts/index.js';
import { pageLimit } from './limit.js';
import type {
  CutoffRecord,
  CutoffStore,
  DecisionLogRecord,
  DecisionLogStore,
  SsfEventRecord,
  SsfEventStore,
  SsfStreamRecord,
  SsfStreamStore,
} from './contracts/index.js';

/** Deep copy that keeps `Date`s as `Date`s. */
const copy = <T>(value: T): T => structuredClone(value);
const ms = (d: Date): number => d.getTime();
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** In-memory decision log (not for production). */
export function memoryDecisionLog(): DecisionLogStore {
  const entries: DecisionLogRecord[] = [];
  return {
    async append(entry) {
      const id = randomUUID();
      entries.push({ ...copy(entry), id });
      return id;
    },
    async list(q) {
      return entries
        .filter((e) => (q.userId === undefined || e.userId === q.userId)
          && (q.deviceId === undefined || e.deviceId === q.deviceId)
          && (q.clientId === undefined || e.clientId === q.clientId)
          && (q.since === undefined || ms(e.at) >= ms(q.since)))
        .sort((a, b) => ms(b.at) - ms(a.at) || compare(b.id, a.id))
        .slice(0, pageLimit(q.limit))
        .map(copy);
    },
    async pruneExpired(before) {
      const kept = entries.filter((e) => ms(e.at) >= ms(before));
      const n = entries.length - kept.length;
      entries.splice(0, entries.length, ...kept);
      return n;
    },
  };
}

/** In-memory revocation cutoffs (not for production). */
export function memoryCutoffs(): CutoffStore {
  const cutoffs = new Map<string, CutoffRecord>();
  const key = (kind: string, id: string) => JSON.stringify([kind, id]);
  return {
    async set(record) {
      const k = key(record.kind, record.id);
      const found = cutoffs.get(k);
      if (!found || ms(record.at) > ms(found.at)) cutoffs.set(k, copy(record));
      return copy(cutoffs.get(k)!);
    },
    async get(kind, id) {
      const found = cutoffs.get(key(kind, id));
      return found && copy(found);
    },
    async listSince(since, limit) {
      return [...cutoffs.values()]
        .filter((c) => ms(c.at) >= ms(since))
        .sort((a, b) => ms(a.at) - ms(b.at) || compare(a.kind, b.kind) || compare(a.id, b.id))
        .slice(0, pageLimit(limit))
        .map(copy);
    },
    async pruneExpired(before) {
      let n = 0;
      for (const [k, c] of cutoffs) if (ms(c.expiresAt) < ms(before) && cutoffs.delete(k)) n++;
      return n;
    },
  };
}

/** In-memory SSF streams and outbox (not for production), sharing state because delete cascades. */
export function memorySsf(): { ssfStreams: SsfStreamStore; ssfEvents: SsfEventStore } {
  const streams = new Map<string, SsfStreamRecord>();
  const events = new Map<string, SsfEventRecord>();
  const oldestFirst = (a: SsfEventRecord, b: SsfEventRecord) => ms(a.createdAt) - ms(b.createdAt) || compare(a.jti, b.jti);

  const ssfStreams: SsfStreamStore = {
    async create(record) {
      if (streams.has(record.id)) throw new ConflictError('ssf stream', record.id);
      streams.set(record.id, copy(record));
    },
    async get(id) {
      const found = streams.get(id);
      return found && copy(found);
    },
    async list() {
      return [...streams.values()].sort((a, b) => ms(a.createdAt) - ms(b.createdAt) || compare(a.id, b.id)).map(copy);
    },
    async update(record) {
      if (!streams.has(record.id)) return false;
      streams.set(record.id, copy(record));
      return true;
    },
    async delete(id) {
      for (const [jti, e] of events) if (e.streamId === id) events.delete(jti);
      return streams.delete(id);
    },
  };

  const ssfEvents: SsfEventStore = {
    async enqueue(event) {
      if (events.has(event.jti)) throw new ConflictError('ssf event', event.jti);
      events.set(event.jti, {
        ...copy(event), status: 'pending', attempts: 0, nextAttemptAt: new Date(ms(event.createdAt)),
        leaseUntil: null, lastError: null, deliveredAt: null,
      });
    },
    async listPending(streamId, max) {
      return [...events.values()]
        .filter((e) => e.streamId === streamId && e.status === 'pending')
        .sort(oldestFirst)
        .slice(0, pageLimit(max))
        .map(copy);
    },
    async acknowledge(streamId, jtis, at) {
      let n = 0;
      for (const jti of new Set(jtis)) {
        const e = events.get(jti);
        if (e && e.streamId === streamId && e.status === 'pending') {
          e.status = 'delivered';
          e.deliveredAt = new Date(ms(at));
          e.leaseUntil = null;
          n++;
        }
      }
      return n;
    },
    async claimDue(now, limit, leaseSeconds) {
      const due = [...events.values()]
        .filter((e) => {
          const stream = streams.get(e.streamId);
          return e.status === 'pending' && stream?.deliveryMethod === 'push' && stream.status === 'enabled'
            && ms(e.nextAttemptAt) <= ms(now) && (e.leaseUntil === null || ms(e.leaseUntil) <= ms(now));
        })
        .sort(oldestFirst)
        .slice(0, pageLimit(limit));
      for (const e of due) {
        e.leaseUntil = new Date(ms(now) + leaseSeconds * 1000);
        e.attempts += 1;
      }
      return due.map(copy);
    },
    async markDelivered(jti, at) {
      const e = events.get(jti);
      if (!e) return false;
      e.status = 'delivered';
      e.deliveredAt = new Date(ms(at));
      e.leaseUntil = null;
      return true;
    },
    async markFailed(jti, nextAttemptAt, error) {
      const e = events.get(jti);
      if (!e) return false;
      e.nextAttemptAt = new Date(ms(nextAttemptAt));
      e.lastError = error;
      e.leaseUntil = null;
      return true;
    },
    async pruneDelivered(before) {
      let n = 0;
      for (const [jti, e] of events) {
        if (e.status === 'delivered' && e.deliveredAt !== null && ms(e.deliveredAt) < ms(before) && events.delete(jti)) n++;
      }
      return n;
    },
  };
  return { ssfStreams, ssfEvents };
}
