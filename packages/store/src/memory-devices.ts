import { ConflictError } from './contracts/index.js';
import { deviceCursor, parseDeviceCursor, sameCompliance } from './device-cursor.js';
import { pageLimit } from './limit.js';
import type { DeviceRecord, DeviceStore, PostureHistoryEntry } from './contracts/index.js';

/** Deep copy that keeps `Date`s as `Date`s. */
const copy = <T>(value: T): T => structuredClone(value);
const ms = (d: Date): number => d.getTime();
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

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
