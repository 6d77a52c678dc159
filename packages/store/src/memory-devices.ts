import { randomUUID } from 'node:crypto';
import { ConflictError } from './contracts/index.js';
import { pageLimit } from './limit.js';
import type {
  CutoffRecord,
  CutoffStore,
  DecisionLogRecord,
  DecisionLogStore,
  DeviceCompliance,
  DeviceRecord,
  DeviceStore,
  PostureHistoryEntry,
  SsfEventRecord,
  SsfEventStore,
  SsfStreamRecord,
  SsfStreamStore,
} from './contracts/index.js';

/** Deep copy that keeps `Date`s as `Date`s. */
const copy = <T>(value: T): T => structuredClone(value);
const ms = (d: Date): number => d.getTime();
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Same verdict: what {@link DeviceStore.setCompliance} compares. */
export function sameCompliance(a: DeviceCompliance | null, b: DeviceCompliance | null): boolean {
  if (a === null || b === null) return a === b;
  return a.compliant === b.compliant && ms(a.evaluatedAt) === ms(b.evaluatedAt)
    && a.reasons.length === b.reasons.length && a.reasons.every((r, i) => r === b.reasons[i]);
}

/** Encodes a device-list cursor: the last device's (createdAt, id). */
export function deviceCursor(d: Pick<DeviceRecord, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([ms(d.createdAt), d.id])).toString('base64url');
}

/** Decodes a cursor from {@link deviceCursor}; anything else reads as "from the start". */
export function parseDeviceCursor(cursor: string | undefined): { createdAt: number; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { createdAt: value[0] as number, id: value[1] };
    }
  } catch {
    // fall through: an unreadable cursor starts from the beginning
  }
  return undefined;
}

/** In-memory devices (not for production). Each method runs synchronously, hence atomically. */
export function memoryDevices(): DeviceStore {
  const devices = new Map<string, DeviceRecord>();
  const keyOwner = new Map<string, string>();
  const history = new Map<string, PostureHistoryEntry[]>();

  const out = (d: DeviceRecord | undefined) => d && copy(d);
  const byCreated = (a: DeviceRecord, b: DeviceRecord) => ms(a.createdAt) - ms(b.createdAt) || compare(a.id, b.id);

  return {
    async create(record) {
      if (devices.has(record.id)) throw new ConflictError('device', record.id);
      const jkts = record.keys.map((k) => k.jkt);
      for (const jkt of jkts) if (keyOwner.has(jkt)) throw new ConflictError('device key', jkt);
      if (new Set(jkts).size !== jkts.length) throw new ConflictError('device key', jkts.join(','));
      devices.set(record.id, copy(record));
      for (const jkt of jkts) keyOwner.set(jkt, record.id);
      history.set(record.id, []);
    },
    async get(id) {
      return out(devices.get(id));
    },
    async listByUser(userId) {
      return [...devices.values()].filter((d) => d.userId === userId).sort(byCreated).map(copy);
    },
    async list({ limit, after, uem }) {
      const cursor = parseDeviceCursor(after);
      const n = pageLimit(limit);
      const rows = [...devices.values()]
        .filter((d) => uem === undefined || d.uem === uem)
        .filter((d) => !cursor || ms(d.createdAt) > cursor.createdAt || (ms(d.createdAt) === cursor.createdAt && d.id > cursor.id))
        .sort(byCreated);
      const page = rows.slice(0, n);
      const last = page[page.length - 1];
      return { devices: page.map(copy), next: rows.length > n && last ? deviceCursor(last) : null };
    },
    async delete(id) {
      const found = devices.get(id);
      if (!found) return false;
      for (const k of found.keys) keyOwner.delete(k.jkt);
      history.delete(id);
      return devices.delete(id);
    },
    async addKey(deviceId, key, at) {
      const found = devices.get(deviceId);
      if (!found) return undefined;
      if (keyOwner.has(key.jkt)) throw new ConflictError('device key', key.jkt);
      found.keys.push(copy(key));
      found.updatedAt = new Date(ms(at));
      keyOwner.set(key.jkt, deviceId);
      return copy(found);
    },
    async removeKey(deviceId, jkt, at) {
      const found = devices.get(deviceId);
      if (!found || keyOwner.get(jkt) !== deviceId) return undefined;
      found.keys = found.keys.filter((k) => k.jkt !== jkt);
      found.updatedAt = new Date(ms(at));
      keyOwner.delete(jkt);
      return copy(found);
    },
    async findByKeyThumbprint(jkt) {
      const id = keyOwner.get(jkt);
      return id === undefined ? undefined : out(devices.get(id));
    },
    async recordPosture(deviceId, report, at) {
      const found = devices.get(deviceId);
      if (!found) return { status: 'not_found' };
      const entries = history.get(deviceId) ?? [];
      if (entries.some((e) => e.eventId === report.eventId)) return { status: 'duplicate', record: copy(found) };
      if (found.posture && ms(report.reportedAt) <= ms(found.posture.reportedAt)) return { status: 'stale', record: copy(found) };
      const posture = {
        eventId: report.eventId, source: report.source, reportedAt: new Date(ms(report.reportedAt)),
        receivedAt: new Date(ms(at)), signals: copy(report.signals),
      };
      found.posture = posture;
      if (report.osVersion !== undefined) found.osVersion = report.osVersion;
      found.updatedAt = new Date(ms(at));
      entries.push({ deviceId, ...copy(posture) });
      history.set(deviceId, entries);
      return { status: 'applied', record: copy(found) };
    },
    async setCompliance(deviceId, expectedPrevious, next) {
      const found = devices.get(deviceId);
      if (!found) return { status: 'not_found' };
      if (!sameCompliance(found.compliance, expectedPrevious)) return { status: 'conflict', record: copy(found) };
      found.compliance = copy(next);
      found.updatedAt = new Date(Math.max(ms(found.updatedAt), ms(next.evaluatedAt)));
      return { status: 'set', record: copy(found) };
    },
    async listStaleCompliant(before, limit) {
      return [...devices.values()]
        .filter((d) => d.compliance?.compliant === true && d.posture !== null && ms(d.posture.reportedAt) < ms(before))
        .sort((a, b) => ms(a.posture!.reportedAt) - ms(b.posture!.reportedAt) || compare(a.id, b.id))
        .slice(0, pageLimit(limit))
        .map(copy);
    },
    async history(deviceId, limit) {
      return [...(history.get(deviceId) ?? [])]
        .sort((a, b) => ms(b.reportedAt) - ms(a.reportedAt) || compare(b.eventId, a.eventId))
        .slice(0, pageLimit(limit))
        .map(copy);
    },
    async pruneHistory(before) {
      let n = 0;
      for (const [deviceId, entries] of history) {
        const current = devices.get(deviceId)?.posture?.eventId;
        const kept = entries.filter((e) => e.eventId === current || ms(e.receivedAt) >= ms(before));
        n += entries.length - kept.length;
        history.set(deviceId, kept);
      }
      return n;
    },
  };
}

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
