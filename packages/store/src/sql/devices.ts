import { sql } from 'kysely';
import { ConflictError } from '../contracts/index.js';
import { pageLimit } from '../limit.js';
import { deviceCursor, parseDeviceCursor } from '../device-cursor.js';
import type {
  DeviceKey,
  DeviceRecord,
  DeviceStore,
  PostureHistoryEntry,
} from '../contracts/index.js';
import type { DeviceKeysTable, DevicePostureHistoryTable, DevicesTable } from './schema.js';
import type { SqlRunner, Steps } from './runner.js';

const json = (v: unknown): string => JSON.stringify(v);
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function deviceToRow(r: DeviceRecord): DevicesTable {
  return {
    id: r.id, user_id: r.userId, platform: r.platform, os_version: r.osVersion, uem: r.uem, display_name: r.displayName,
    posture_event_id: r.posture?.eventId ?? null, posture_source: r.posture?.source ?? null,
    posture_reported_at: r.posture?.reportedAt.getTime() ?? null, posture_received_at: r.posture?.receivedAt.getTime() ?? null,
    posture_signals: r.posture ? json(r.posture.signals) : null,
    compliance_compliant: r.compliance ? (r.compliance.compliant ? 1 : 0) : null,
    compliance_reasons: r.compliance ? json(r.compliance.reasons) : null,
    compliance_evaluated_at: r.compliance?.evaluatedAt.getTime() ?? null,
    created_at: r.createdAt.getTime(), updated_at: r.updatedAt.getTime(),
  };
}

function deviceFromRow(row: Record<string, unknown>, keys: DeviceKey[]): DeviceRecord {
  const r = row as unknown as DevicesTable;
  const evaluatedAt = numOrNull(r.compliance_evaluated_at);
  const reportedAt = numOrNull(r.posture_reported_at);
  return {
    v: 1, id: r.id, userId: r.user_id, platform: r.platform as DeviceRecord['platform'], osVersion: r.os_version,
    uem: r.uem, displayName: r.display_name, keys,
    posture: reportedAt === null ? null : {
      eventId: r.posture_event_id!, source: r.posture_source!, reportedAt: new Date(reportedAt),
      receivedAt: new Date(num(r.posture_received_at)), signals: JSON.parse(r.posture_signals!),
    },
    compliance: evaluatedAt === null ? null : {
      compliant: num(r.compliance_compliant) === 1, reasons: JSON.parse(r.compliance_reasons!), evaluatedAt: new Date(evaluatedAt),
    },
    createdAt: new Date(num(r.created_at)), updatedAt: new Date(num(r.updated_at)),
  };
}

function keyFromRow(row: Record<string, unknown>): DeviceKey & { deviceId: string } {
  const r = row as unknown as DeviceKeysTable;
  return { deviceId: r.device_id, jkt: r.jkt, jwk: JSON.parse(r.jwk), addedAt: new Date(num(r.added_at)) };
}

function historyFromRow(row: Record<string, unknown>): PostureHistoryEntry {
  const r = row as unknown as DevicePostureHistoryTable;
  return {
    deviceId: r.device_id, eventId: r.event_id, source: r.source, reportedAt: new Date(num(r.reported_at)),
    receivedAt: new Date(num(r.received_at)), signals: JSON.parse(r.signals),
  };
}

/** Devices over the SQL runner: multi-statement writes are {@link Steps} run in one transaction. */
export function createSqlDevices(runner: SqlRunner): DeviceStore {
  const { db } = runner;
  const pg = runner.dialect === 'postgres';

  const selectDevice = (id: string, lock: boolean) => {
    const q = db.selectFrom('devices').selectAll().where('id', '=', id);
    // PostgreSQL: lock the row so concurrent writers to one device queue up. SQLite's BEGIN IMMEDIATE
    // already holds the database's write lock.
    return (lock && pg ? q.forUpdate() : q).compile();
  };

  /** The devices of `rows` with their keys, in the rows' order (one query for all keys). */
  function* withKeys(rows: Record<string, unknown>[]): Steps<DeviceRecord[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id as string);
    // One device (the common case: get, by key thumbprint) is an equality, so the statement text is fixed.
    const keyRows = (yield db.selectFrom('device_keys').selectAll()
      .where('device_id', ids.length === 1 ? '=' : 'in', ids.length === 1 ? ids[0]! : ids)
      .orderBy('device_id').orderBy('ordinal').compile()).rows;
    const byDevice = new Map<string, DeviceKey[]>();
    for (const k of keyRows.map(keyFromRow)) {
      const { deviceId, ...key } = k;
      byDevice.set(deviceId, [...(byDevice.get(deviceId) ?? []), key]);
    }
    return rows.map((r) => deviceFromRow(r, byDevice.get(r.id as string) ?? []));
  }

  function* load(id: string, lock = false): Steps<DeviceRecord | undefined> {
    const rows = (yield selectDevice(id, lock)).rows;
    return (yield* withKeys(rows))[0];
  }

  function* insertKey(deviceId: string, key: DeviceKey, ordinal: number): Steps<void> {
    const { changes } = yield db.insertInto('device_keys')
      .values({ jkt: key.jkt, device_id: deviceId, ordinal, jwk: json(key.jwk), added_at: key.addedAt.getTime() })
      .onConflict((oc) => oc.column('jkt').doNothing()).compile();
    if (changes === 0) throw new ConflictError('device key', key.jkt);
  }

  const touch = (id: string, at: Date) => db.updateTable('devices').set({ updated_at: at.getTime() }).where('id', '=', id).compile();

  return {
    async create(record) {
      return runner.transaction(function* () {
        const { changes } = yield db.insertInto('devices').values(deviceToRow(record))
          .onConflict((oc) => oc.column('id').doNothing()).compile();
        if (changes === 0) throw new ConflictError('device', record.id);
        for (const [i, key] of record.keys.entries()) yield* insertKey(record.id, key, i);
      });
    },
    async get(id) {
      return runner.read(() => load(id));
    },
    async listByUser(userId) {
      return runner.read(function* () {
        const rows = (yield db.selectFrom('devices').selectAll().where('user_id', '=', userId)
          .orderBy('created_at').orderBy('id').compile()).rows;
        return yield* withKeys(rows);
      });
    },
    async list({ limit, after, uem }) {
      const n = pageLimit(limit);
      const cursor = parseDeviceCursor(after);
      return runner.read(function* () {
        let q = db.selectFrom('devices').selectAll();
        if (uem !== undefined) q = q.where('uem', '=', uem);
        if (cursor) {
          q = q.where((eb) => eb.or([
            eb('created_at', '>', cursor.createdAt),
            eb.and([eb('created_at', '=', cursor.createdAt), eb('id', '>', cursor.id)]),
          ]));
        }
        const rows = (yield q.orderBy('created_at').orderBy('id').limit(n + 1).compile()).rows;
        const devices = yield* withKeys(rows.slice(0, n));
        const last = devices[devices.length - 1];
        return { devices, next: rows.length > n && last ? deviceCursor(last) : null };
      });
    },
    async delete(id) {
      return runner.transaction(function* () {
        yield db.deleteFrom('device_posture_history').where('device_id', '=', id).compile();
        yield db.deleteFrom('device_keys').where('device_id', '=', id).compile();
        return (yield db.deleteFrom('devices').where('id', '=', id).compile()).changes > 0;
      });
    },
    async addKey(deviceId, key, at) {
      return runner.transaction(function* () {
        if ((yield selectDevice(deviceId, true)).rows.length === 0) return undefined;
        const max = (yield db.selectFrom('device_keys').select((eb) => eb.fn.max('ordinal').as('m'))
          .where('device_id', '=', deviceId).compile()).rows[0]?.m;
        yield* insertKey(deviceId, key, max === null || max === undefined ? 0 : num(max) + 1);
        yield touch(deviceId, at);
        return yield* load(deviceId);
      });
    },
    async removeKey(deviceId, jkt, at) {
      return runner.transaction(function* () {
        const { changes } = yield db.deleteFrom('device_keys').where('jkt', '=', jkt).where('device_id', '=', deviceId).compile();
        if (changes === 0) return undefined;
        yield touch(deviceId, at);
        return yield* load(deviceId);
      });
    },
    async findByKeyThumbprint(jkt) {
      return runner.read(function* () {
        const rows = (yield db.selectFrom('devices').selectAll('devices')
          .innerJoin('device_keys', 'device_keys.device_id', 'devices.id')
          .where('device_keys.jkt', '=', jkt).compile()).rows;
        return (yield* withKeys(rows))[0];
      });
    },
    async recordPosture(deviceId, report, at) {
      return runner.transaction(function* () {
        const found = yield* load(deviceId, true);
        if (!found) return { status: 'not_found' as const };
        const seen = (yield db.selectFrom('device_posture_history').select('event_id')
          .where('device_id', '=', deviceId).where('event_id', '=', report.eventId).compile()).rows;
        if (seen.length > 0) return { status: 'duplicate' as const, record: found };
        if (found.posture && report.reportedAt.getTime() <= found.posture.reportedAt.getTime()) {
          return { status: 'stale' as const, record: found };
        }
        const signals = json(report.signals);
        yield db.updateTable('devices').set({
          posture_event_id: report.eventId, posture_source: report.source, posture_reported_at: report.reportedAt.getTime(),
          posture_received_at: at.getTime(), posture_signals: signals, updated_at: at.getTime(),
          ...(report.osVersion === undefined ? {} : { os_version: report.osVersion }),
        }).where('id', '=', deviceId).compile();
        yield db.insertInto('device_posture_history').values({
          device_id: deviceId, event_id: report.eventId, source: report.source, reported_at: report.reportedAt.getTime(),
          received_at: at.getTime(), signals,
        }).compile();
        const record: DeviceRecord = {
          ...found,
          osVersion: report.osVersion ?? found.osVersion,
          posture: {
            eventId: report.eventId, source: report.source, reportedAt: new Date(report.reportedAt.getTime()),
            receivedAt: new Date(at.getTime()), signals: JSON.parse(signals),
          },
          updatedAt: new Date(at.getTime()),
        };
        return { status: 'applied' as const, record };
      });
    },
    async setCompliance(deviceId, expectedPrevious, next) {
      return runner.read(function* () {
        const evaluatedAt = next.evaluatedAt.getTime();
        let q = db.updateTable('devices').set({
          compliance_compliant: next.compliant ? 1 : 0,
          compliance_reasons: json(next.reasons),
          compliance_evaluated_at: evaluatedAt,
          updated_at: sql<number>`case when updated_at > ${evaluatedAt} then updated_at else ${evaluatedAt} end`,
        }).where('id', '=', deviceId);
        q = expectedPrevious === null
          ? q.where('compliance_evaluated_at', 'is', null)
          : q.where('compliance_evaluated_at', '=', expectedPrevious.evaluatedAt.getTime())
            .where('compliance_compliant', '=', expectedPrevious.compliant ? 1 : 0)
            .where('compliance_reasons', '=', json(expectedPrevious.reasons));
        // One statement: the compare and the set are atomic in both dialects.
        const { changes } = yield q.compile();
        const record = yield* load(deviceId);
        if (!record) return { status: 'not_found' as const };
        return { status: changes === 1 ? 'set' as const : 'conflict' as const, record };
      });
    },
    async listStaleCompliant(before, limit) {
      return runner.read(function* () {
        const rows = (yield db.selectFrom('devices').selectAll()
          .where('compliance_compliant', '=', sql.lit(1))
          .where('posture_reported_at', '<', before.getTime())
          .orderBy('posture_reported_at').orderBy('id').limit(pageLimit(limit)).compile()).rows;
        return yield* withKeys(rows);
      });
    },
    async history(deviceId, limit) {
      const { rows } = await runner.run(db.selectFrom('device_posture_history').selectAll().where('device_id', '=', deviceId)
        .orderBy('reported_at', 'desc').orderBy('event_id', 'desc').limit(pageLimit(limit)));
      return rows.map(historyFromRow);
    },
    async pruneHistory(before) {
      const { changes } = await runner.run(db.deleteFrom('device_posture_history')
        .where('received_at', '<', before.getTime())
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('devices').select('devices.id')
          .whereRef('devices.id', '=', 'device_posture_history.device_id')
          .whereRef('devices.posture_event_id', '=', 'device_posture_history.event_id')))));
      return changes;
    },
  };
}
