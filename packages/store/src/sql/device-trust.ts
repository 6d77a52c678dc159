import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { ConflictError } from '../contracts/index.js';
import { pageLimit } from '../limit.js';
import type {
  CutoffRecord,
  CutoffStore,
  DecisionLogRecord,
  DecisionLogStore,
  SsfEventRecord,
  SsfEventStore,
  SsfStreamRecord,
  SsfStreamStore,
} from '../contracts/index.js';
import type { CutoffsTable, DecisionLogTable, SsfEventsTable, SsfStreamsTable } from './schema.js';
import type { SqlRunner } from './runner.js';

const json = (v: unknown): string => JSON.stringify(v);
const num = (v: unknown): number => Number(v);
const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(Number(v)));

function decisionFromRow(row: Record<string, unknown>): DecisionLogRecord {
  const r = row as unknown as DecisionLogTable;
  return {
    id: r.id, at: new Date(num(r.at)), action: r.action, grantType: r.grant_type, clientId: r.client_id, userId: r.user_id,
    deviceId: r.device_id, audience: JSON.parse(r.audience), scope: JSON.parse(r.scope),
    decision: r.decision as DecisionLogRecord['decision'], policies: JSON.parse(r.policies), reasons: JSON.parse(r.reasons),
  };
}

function cutoffFromRow(row: Record<string, unknown>): CutoffRecord {
  const r = row as unknown as CutoffsTable;
  return { kind: r.kind as CutoffRecord['kind'], id: r.id, at: new Date(num(r.at)), expiresAt: new Date(num(r.expires_at)) };
}

function streamToRow(r: SsfStreamRecord): SsfStreamsTable {
  return {
    id: r.id, audience: json(r.audience), issuer: r.issuer ?? null, delivery_method: r.deliveryMethod, endpoint_url: r.endpointUrl,
    authorization_header: r.authorizationHeader, events_requested: json(r.eventsRequested),
    events_delivered: json(r.eventsDelivered), status: r.status, reason: r.reason, description: r.description,
    created_at: r.createdAt.getTime(), updated_at: r.updatedAt.getTime(),
  };
}

function streamFromRow(row: Record<string, unknown>): SsfStreamRecord {
  const r = row as unknown as SsfStreamsTable;
  return {
    id: r.id, audience: JSON.parse(r.audience), issuer: r.issuer ?? undefined,
    deliveryMethod: r.delivery_method as SsfStreamRecord['deliveryMethod'], endpointUrl: r.endpoint_url,
    authorizationHeader: r.authorization_header, eventsRequested: JSON.parse(r.events_requested),
    eventsDelivered: JSON.parse(r.events_delivered), status: r.status as SsfStreamRecord['status'], reason: r.reason,
    description: r.description, createdAt: new Date(num(r.created_at)), updatedAt: new Date(num(r.updated_at)),
  };
}

function eventFromRow(row: Record<string, unknown>): SsfEventRecord {
  const r = row as unknown as SsfEventsTable;
  return {
    streamId: r.stream_id, jti: r.jti, set: r.set_jwt, createdAt: new Date(num(r.created_at)),
    status: r.status as SsfEventRecord['status'], attempts: num(r.attempts), nextAttemptAt: new Date(num(r.next_attempt_at)),
    leaseUntil: dateOrNull(r.lease_until), lastError: r.last_error, deliveredAt: dateOrNull(r.delivered_at),
  };
}

/** Decision log, cutoffs and the SSF slices over the SQL runner; every write is one statement unless noted. */
export function createSqlDeviceTrustSlices(runner: SqlRunner) {
  const { db } = runner;

  const decisionLog: DecisionLogStore = {
    async append(entry) {
      const id = randomUUID();
      await runner.run(db.insertInto('decision_log').values({
        id, at: entry.at.getTime(), action: entry.action, grant_type: entry.grantType, client_id: entry.clientId,
        user_id: entry.userId, device_id: entry.deviceId, audience: json(entry.audience), scope: json(entry.scope),
        decision: entry.decision, policies: json(entry.policies), reasons: json(entry.reasons),
      }));
      return id;
    },
    async list(query) {
      let q = db.selectFrom('decision_log').selectAll();
      if (query.userId !== undefined) q = q.where('user_id', '=', query.userId);
      if (query.deviceId !== undefined) q = q.where('device_id', '=', query.deviceId);
      if (query.clientId !== undefined) q = q.where('client_id', '=', query.clientId);
      if (query.since !== undefined) q = q.where('at', '>=', query.since.getTime());
      const { rows } = await runner.run(q.orderBy('at', 'desc').orderBy('id', 'desc').limit(pageLimit(query.limit)));
      return rows.map(decisionFromRow);
    },
    async pruneExpired(before) {
      return (await runner.run(db.deleteFrom('decision_log').where('at', '<', before.getTime()))).changes;
    },
  };

  const cutoffs: CutoffStore = {
    async set(record) {
      // One upsert: the conflicting row takes the new values only when they are later.
      await runner.run(db.insertInto('cutoffs')
        .values({ kind: record.kind, id: record.id, at: record.at.getTime(), expires_at: record.expiresAt.getTime() })
        .onConflict((oc) => oc.columns(['kind', 'id'])
          .doUpdateSet({ at: (eb) => eb.ref('excluded.at'), expires_at: (eb) => eb.ref('excluded.expires_at') })
          .where('cutoffs.at', '<', (eb) => eb.ref('excluded.at'))));
      return (await cutoffs.get(record.kind, record.id))!;
    },
    async get(kind, id) {
      const { rows } = await runner.run(db.selectFrom('cutoffs').selectAll().where('kind', '=', kind).where('id', '=', id));
      return rows[0] && cutoffFromRow(rows[0]);
    },
    async listSince(since, limit) {
      const { rows } = await runner.run(db.selectFrom('cutoffs').selectAll().where('at', '>=', since.getTime())
        .orderBy('at').orderBy('kind').orderBy('id').limit(pageLimit(limit)));
      return rows.map(cutoffFromRow);
    },
    async pruneExpired(before) {
      return (await runner.run(db.deleteFrom('cutoffs').where('expires_at', '<', before.getTime()))).changes;
    },
  };

  const ssfStreams: SsfStreamStore = {
    async create(record) {
      const { changes } = await runner.run(db.insertInto('ssf_streams').values(streamToRow(record))
        .onConflict((oc) => oc.column('id').doNothing()));
      if (changes === 0) throw new ConflictError('ssf stream', record.id);
    },
    async get(id) {
      const { rows } = await runner.run(db.selectFrom('ssf_streams').selectAll().where('id', '=', id));
      return rows[0] && streamFromRow(rows[0]);
    },
    async list() {
      const { rows } = await runner.run(db.selectFrom('ssf_streams').selectAll().orderBy('created_at').orderBy('id'));
      return rows.map(streamFromRow);
    },
    async update(record) {
      const { id: _id, created_at: _c, ...set } = streamToRow(record);
      return (await runner.run(db.updateTable('ssf_streams').set(set).where('id', '=', record.id))).changes === 1;
    },
    async delete(id) {
      return runner.transaction(function* () {
        yield db.deleteFrom('ssf_events').where('stream_id', '=', id).compile();
        return (yield db.deleteFrom('ssf_streams').where('id', '=', id).compile()).changes > 0;
      });
    },
  };

  const pending = sql.lit('pending');

  const ssfEvents: SsfEventStore = {
    async enqueue(event) {
      const { changes } = await runner.run(db.insertInto('ssf_events').values({
        jti: event.jti, stream_id: event.streamId, set_jwt: event.set, created_at: event.createdAt.getTime(), status: 'pending',
        attempts: 0, next_attempt_at: event.createdAt.getTime(), lease_until: null, last_error: null, delivered_at: null,
      }).onConflict((oc) => oc.column('jti').doNothing()));
      if (changes === 0) throw new ConflictError('ssf event', event.jti);
    },
    async listPending(streamId, max) {
      const { rows } = await runner.run(db.selectFrom('ssf_events').selectAll().where('stream_id', '=', streamId)
        .where('status', '=', pending).orderBy('created_at').orderBy('jti').limit(pageLimit(max)));
      return rows.map(eventFromRow);
    },
    async acknowledge(streamId, jtis, at) {
      if (jtis.length === 0) return 0;
      const { changes } = await runner.run(db.updateTable('ssf_events')
        .set({ status: 'delivered', delivered_at: at.getTime(), lease_until: null })
        .where('stream_id', '=', streamId).where('status', '=', pending).where('jti', 'in', [...new Set(jtis)]));
      return changes;
    },
    async claimDue(now, limit, leaseSeconds) {
      const t = now.getTime();
      // The claim conditions, used twice (see below).
      const claimable = sql<boolean>`ssf_events.status = 'pending' and ssf_events.next_attempt_at <= ${t}
        and (ssf_events.lease_until is null or ssf_events.lease_until <= ${t})`;
      let due = db.selectFrom('ssf_events').select('ssf_events.jti')
        .innerJoin('ssf_streams', 'ssf_streams.id', 'ssf_events.stream_id')
        .where('ssf_streams.delivery_method', '=', 'push').where('ssf_streams.status', '=', 'enabled')
        .where(claimable)
        .orderBy('ssf_events.created_at').orderBy('ssf_events.jti').limit(pageLimit(limit));
      // PostgreSQL: concurrent claimers skip rows another one has locked instead of queueing behind it.
      if (runner.dialect === 'postgres') due = due.forUpdate('ssf_events').skipLocked();
      // One UPDATE: the claim conditions are repeated on the updated row, so under PostgreSQL's READ
      // COMMITTED a row claimed meanwhile by another node fails the re-check and is not claimed twice.
      const { rows } = await runner.run(db.updateTable('ssf_events')
        .set((eb) => ({ lease_until: t + Math.max(0, leaseSeconds) * 1000, attempts: eb('attempts', '+', 1) }))
        .where('jti', 'in', due)
        .where(claimable)
        .returningAll());
      return rows.map(eventFromRow).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.jti < b.jti ? -1 : a.jti > b.jti ? 1 : 0));
    },
    async markDelivered(jti, at) {
      return (await runner.run(db.updateTable('ssf_events').set({ status: 'delivered', delivered_at: at.getTime(), lease_until: null })
        .where('jti', '=', jti))).changes === 1;
    },
    async markFailed(jti, nextAttemptAt, error) {
      return (await runner.run(db.updateTable('ssf_events')
        .set({ next_attempt_at: nextAttemptAt.getTime(), last_error: error, lease_until: null })
        .where('jti', '=', jti))).changes === 1;
    },
    async pruneDelivered(before) {
      return (await runner.run(db.deleteFrom('ssf_events').where('status', '=', sql.lit('delivered'))
        .where('delivered_at', '<', before.getTime()))).changes;
    },
  };

  return { decisionLog, cutoffs, ssfStreams, ssfEvents };
}
