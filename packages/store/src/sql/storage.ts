import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { ConflictError } from '../contracts/index.js';
import { pageLimit } from '../limit.js';
import type {
  ClientStore,
  KeyStore,
  ReplayStore,
  ResourceStore,
  RevocationStore,
  SigningKeyRecord,
  Storage,
  NewTokenRecord,
  TokenStore,
} from '../contracts/index.js';
import {
  clientFromRow, clientToRow, resourceFromRow, resourceToRow, revocationFromRow, revocationToRow,
  signingKeyFromRow, signingKeyToRow, tokenFromRow, tokenToRow,
} from './schema.js';
import type { Database, SigningKeysTable } from './schema.js';
import { createSqlAccountSlices } from './accounts.js';
import { createSqlFlowSlices } from './flows.js';
import { createSqlDevices } from './devices.js';
import { createSqlDeviceTrustSlices } from './device-trust.js';
import { createSqlPushedRequests } from './pushed-requests.js';
import type { SqlRunner } from './runner.js';
import type { RotateToken } from './rotate.js';
import { groupCommit } from './group-commit.js';
import type { BatchRunner } from './group-commit.js';

/** What a dialect adds to the shared Kysely implementation. */
export interface SqlStorageParts {
  kind: 'sqlite' | 'postgres';
  db: Kysely<Database>;
  /** Clock for replay-marker expiry, epoch ms. */
  now: () => number;
  /** Commit concurrent `tokens.put` calls together (see `group-commit.ts`). */
  groupCommit: boolean;
  /** Executes the device-trust slices' statements and transactions (see `runner.ts`). */
  runner: SqlRunner;
  /** The dialect's transactional `tokens.rotate` (see `rotate.ts`). */
  rotateToken: RotateToken;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** Rows per multi-row INSERT: 15 columns × 500 stays far below PostgreSQL's 65 535 parameters. */
const MAX_BATCH = 500;

/**
 * The storage contract over Kysely, for every SQL dialect. Each method is ONE SQL statement, which is
 * how the contract's atomicity is met without explicit transactions: inserts use `ON CONFLICT DO
 * NOTHING` and report a conflict from the row count (no failed statement, so no aborted PostgreSQL
 * transaction), compare-and-set is an `UPDATE … WHERE <expected state>`, and concurrent writers are
 * serialised by the database's row locks (PostgreSQL re-checks the `WHERE` after waiting). The
 * exceptions: `tokens.put`, whose concurrent calls are grouped into one multi-row INSERT;
 * `tokens.rotate`, one transaction per dialect (`rotate.ts`); `deviceCodes.poll`, a read then a
 * compare-and-set on a version column, retried when it loses.
 */
export function createSqlStorage(parts: SqlStorageParts): Storage {
  const { db, now } = parts;
  const count = (n: bigint | undefined): number => Number(n ?? 0n);

  const clients: ClientStore = {
    async create(record) {
      const res = await db.insertInto('clients').values(clientToRow(record))
        .onConflict((oc) => oc.column('client_id').doNothing()).executeTakeFirst();
      if (count(res.numInsertedOrUpdatedRows) === 0) throw new ConflictError('client', record.clientId);
    },
    async get(clientId) {
      const row = await db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
      return row && clientFromRow(row);
    },
    async list() {
      const rows = await db.selectFrom('clients').selectAll().orderBy('created_at').orderBy('client_id').execute();
      return rows.map(clientFromRow);
    },
    async update(record) {
      const { client_id, ...rest } = clientToRow(record);
      const res = await db.updateTable('clients').set(rest).where('client_id', '=', client_id).executeTakeFirst();
      return count(res.numUpdatedRows) > 0;
    },
    async delete(clientId) {
      const res = await db.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst();
      return count(res.numDeletedRows) > 0;
    },
  };

  const resources: ResourceStore = {
    async create(record) {
      const res = await db.insertInto('resources').values(resourceToRow(record))
        .onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
      if (count(res.numInsertedOrUpdatedRows) === 0) throw new ConflictError('resource', record.id);
    },
    async get(id) {
      const row = await db.selectFrom('resources').selectAll().where('id', '=', id).executeTakeFirst();
      return row && resourceFromRow(row);
    },
    async list() {
      const rows = await db.selectFrom('resources').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(resourceFromRow);
    },
    async update(record) {
      const { id, ...rest } = resourceToRow(record);
      const res = await db.updateTable('resources').set(rest).where('id', '=', id).executeTakeFirst();
      return count(res.numUpdatedRows) > 0;
    },
    async delete(id) {
      const res = await db.deleteFrom('resources').where('id', '=', id).executeTakeFirst();
      return count(res.numDeletedRows) > 0;
    },
  };

  /** One multi-row INSERT (one commit); RETURNING tells which rows were new, the rest conflicted. */
  const insertTokens: BatchRunner<NewTokenRecord> = async (records) => {
    const rows = await db.insertInto('tokens').values(records.map(tokenToRow))
      .onConflict((oc) => oc.column('hash').doNothing()).returning('hash').execute();
    const inserted = new Set(rows.map((r) => r.hash));
    // `delete` answers true once per hash: a second record with the same hash in one batch conflicts.
    return records.map((r) => (inserted.delete(r.hash) ? undefined : new ConflictError('token', r.jti)));
  };
  const batch = parts.groupCommit ? groupCommit(insertTokens, MAX_BATCH) : undefined;

  /** One UPDATE: every not-yet-revoked token matching the column, revoked at once (or not at all). */
  async function revokeTokensWhere(column: 'grant_id' | 'subject' | 'session_id' | 'device_id', value: string, at: Date) {
    const res = await db.updateTable('tokens').set({ revoked_at: at.getTime() })
      .where(column, '=', value).where('revoked_at', 'is', null).executeTakeFirst();
    return count(res.numUpdatedRows);
  }

  const tokens: TokenStore = {
    async put(record) {
      if (batch) return batch.submit(record);
      const [error] = await insertTokens([record]);
      if (error) throw error;
    },
    async get(hash) {
      const row = await db.selectFrom('tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row && tokenFromRow(row);
    },
    async revoke(hash, at) {
      // COALESCE keeps the first revocation time; RETURNING reports the row as the statement left it.
      const row = await db.updateTable('tokens')
        .set({ revoked_at: sql<number>`coalesce(revoked_at, ${at.getTime()})` })
        .where('hash', '=', hash).returningAll().executeTakeFirst();
      return row && tokenFromRow(row);
    },
    async revokeByGrant(grantId, at) {
      return revokeTokensWhere('grant_id', grantId, at);
    },
    async revokeBySubject(subject, at) {
      return revokeTokensWhere('subject', subject, at);
    },
    async revokeBySession(sessionId, at) {
      return revokeTokensWhere('session_id', sessionId, at);
    },
    async revokeByDevice(deviceId, at) {
      return revokeTokensWhere('device_id', deviceId, at);
    },
    async listByDevice(deviceId, limit) {
      const rows = await db.selectFrom('tokens').selectAll().where('device_id', '=', deviceId)
        .orderBy('issued_at', 'desc').orderBy('hash', 'desc').limit(pageLimit(limit)).execute();
      return rows.map(tokenFromRow);
    },
    rotate: parts.rotateToken,
    async pruneExpired(before) {
      const res = await db.deleteFrom('tokens').where('expires_at', '<', before.getTime()).executeTakeFirst();
      return count(res.numDeletedRows);
    },
  };

  const revocations: RevocationStore = {
    async add(record) {
      await db.insertInto('revocations').values(revocationToRow(record))
        .onConflict((oc) => oc.column('jti').doNothing()).execute();
    },
    async get(jti) {
      const row = await db.selectFrom('revocations').selectAll().where('jti', '=', jti).executeTakeFirst();
      return row && revocationFromRow(row);
    },
    async listSince(since, limit) {
      const rows = await db.selectFrom('revocations').selectAll().where('revoked_at', '>=', since.getTime())
        .orderBy('revoked_at').orderBy('jti').limit(pageLimit(limit)).execute();
      return rows.map(revocationFromRow);
    },
    async pruneExpired(before) {
      const res = await db.deleteFrom('revocations').where('expires_at', '<', before.getTime()).executeTakeFirst();
      return count(res.numDeletedRows);
    },
  };

  const keys: KeyStore = {
    async list() {
      const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at').orderBy('kid').execute();
      return rows.map(signingKeyFromRow);
    },
    async insert(record) {
      const res = await db.insertInto('signing_keys').values(signingKeyToRow(record))
        .onConflict((oc) => oc.column('kid').doNothing()).executeTakeFirst();
      if (count(res.numInsertedOrUpdatedRows) === 0) throw new ConflictError('signing key', record.kid);
    },
    async transition(kid, from, patch) {
      const set = keyPatch(patch);
      // An empty patch still has to prove the state matched, so it "sets" state to itself.
      const res = await db.updateTable('signing_keys').set({ state: from, ...set })
        .where('kid', '=', kid).where('state', '=', from).executeTakeFirst();
      return count(res.numUpdatedRows) === 1;
    },
    async delete(kid) {
      const res = await db.deleteFrom('signing_keys').where('kid', '=', kid).executeTakeFirst();
      return count(res.numDeletedRows) > 0;
    },
  };

  const replay: ReplayStore = {
    async use(key, expiresAt) {
      // Insert, or take over a marker that has already expired; a live marker makes the upsert a no-op.
      const res = await db.insertInto('replay').values({ key, expires_at: expiresAt.getTime() })
        .onConflict((oc) => oc.column('key')
          .doUpdateSet({ expires_at: (eb) => eb.ref('excluded.expires_at') })
          .where('replay.expires_at', '<=', now()))
        .executeTakeFirst();
      return count(res.numInsertedOrUpdatedRows) === 1;
    },
    async pruneExpired(before) {
      const res = await db.deleteFrom('replay').where('expires_at', '<', before.getTime()).executeTakeFirst();
      return count(res.numDeletedRows);
    },
  };

  /** Retired keys past `removeAfter` have left the JWKS; the rows can go. */
  async function pruneRemovedKeys(before: Date): Promise<number> {
    const res = await db.deleteFrom('signing_keys').where('remove_after', '<', before.getTime()).executeTakeFirst();
    return count(res.numDeletedRows);
  }

  const { users, sessions, loginThrottle } = createSqlAccountSlices(db);
  const { authorizationCodes, grants, deviceCodes } = createSqlFlowSlices(db);
  const devices = createSqlDevices(parts.runner);
  const { decisionLog, cutoffs, ssfStreams, ssfEvents } = createSqlDeviceTrustSlices(parts.runner);
  const pushedRequests = createSqlPushedRequests(db);

  return {
    kind: parts.kind,
    clients, resources, tokens, revocations, keys, replay, users, sessions, loginThrottle,
    authorizationCodes, grants, deviceCodes, devices, decisionLog, cutoffs, ssfStreams, ssfEvents, pushedRequests,
    migrate: parts.migrate,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async pruneExpired(before) {
      return {
        tokens: await tokens.pruneExpired(before),
        revocations: await revocations.pruneExpired(before),
        replay: await replay.pruneExpired(before),
        keys: await pruneRemovedKeys(before),
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
    async close() {
      await batch?.flush();
      await parts.close();
    },
  };
}

type KeyPatch = Partial<Pick<SigningKeyRecord, 'state' | 'activatesAt' | 'retiredAt' | 'removeAfter'>>;

function keyPatch(patch: KeyPatch): Partial<SigningKeysTable> {
  const set: Partial<SigningKeysTable> = {};
  if (patch.state !== undefined) set.state = patch.state;
  if (patch.activatesAt !== undefined) set.activates_at = patch.activatesAt.getTime();
  if (patch.retiredAt !== undefined) set.retired_at = patch.retiredAt === null ? null : patch.retiredAt.getTime();
  if (patch.removeAfter !== undefined) set.remove_after = patch.removeAfter === null ? null : patch.removeAfter.getTime();
  return set;
}
