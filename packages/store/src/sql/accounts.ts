import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { ConflictError } from '../contracts/index.js';
import { pageLimit } from '../limit.js';
import type {
  LoginThrottleStore,
  SessionRecord,
  SessionStore,
  UserRecord,
  UserStore,
} from '../contracts/index.js';
import type { Database, SessionsTable, UsersTable } from './schema.js';

const count = (n: bigint | undefined): number => Number(n ?? 0n);

function userToRow(r: UserRecord): UsersTable {
  return {
    id: r.id, username: r.username, email: r.email, email_verified: r.emailVerified ? 1 : 0,
    password_hash: r.passwordHash, totp_secret: r.totp?.secret ?? null,
    totp_last_used_step: r.totp?.lastUsedStep ?? null, totp_confirmed_at: r.totp?.confirmedAt?.getTime() ?? null,
    status: r.status, groups: JSON.stringify(r.groups), created_at: r.createdAt.getTime(),
    updated_at: r.updatedAt.getTime(),
  };
}

function userFromRow(r: UsersTable): UserRecord {
  return {
    v: 1, id: r.id, username: r.username, email: r.email, emailVerified: r.email_verified !== 0,
    passwordHash: r.password_hash,
    totp: r.totp_secret === null ? null : {
      secret: r.totp_secret, lastUsedStep: r.totp_last_used_step,
      confirmedAt: r.totp_confirmed_at === null ? null : new Date(r.totp_confirmed_at),
    },
    status: r.status as UserRecord['status'], groups: JSON.parse(r.groups), createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

function sessionToRow(r: SessionRecord): SessionsTable {
  return {
    id_hash: r.idHash, sid: r.sid, user_id: r.userId, created_at: r.createdAt.getTime(),
    last_seen_at: r.lastSeenAt.getTime(), expires_at: r.expiresAt.getTime(), idle_timeout_seconds: r.idleTimeoutSeconds,
    amr: JSON.stringify(r.amr), acr: r.acr, auth_time: r.authTime.getTime(), revoked_at: r.revokedAt?.getTime() ?? null,
  };
}

function sessionFromRow(r: SessionsTable): SessionRecord {
  return {
    v: 1, idHash: r.id_hash, sid: r.sid, userId: r.user_id, createdAt: new Date(r.created_at),
    lastSeenAt: new Date(r.last_seen_at), expiresAt: new Date(r.expires_at), idleTimeoutSeconds: r.idle_timeout_seconds,
    amr: JSON.parse(r.amr), acr: r.acr, authTime: new Date(r.auth_time),
    revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at),
  };
}

/** Users, sessions and login-throttle counters over Kysely; like the other slices, one statement per method. */
export function createSqlAccountSlices(db: Kysely<Database>) {
  const users: UserStore = {
    async create(record) {
      // No conflict target: the primary key and the unique username both turn the insert into a no-op.
      const res = await db.insertInto('users').values(userToRow(record))
        .onConflict((oc) => oc.doNothing()).executeTakeFirst();
      if (count(res.numInsertedOrUpdatedRows) === 0) throw new ConflictError('user', record.username);
    },
    async get(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row && userFromRow(row);
    },
    async findByUsername(username) {
      const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
      return row && userFromRow(row);
    },
    async update(id, patch, at) {
      const set: Partial<UsersTable> = { updated_at: at.getTime() };
      if (patch.email !== undefined) set.email = patch.email;
      if (patch.emailVerified !== undefined) set.email_verified = patch.emailVerified ? 1 : 0;
      if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
      if (patch.status !== undefined) set.status = patch.status;
      if (patch.groups !== undefined) set.groups = JSON.stringify(patch.groups);
      if (patch.totp !== undefined) {
        set.totp_secret = patch.totp?.secret ?? null;
        set.totp_last_used_step = patch.totp?.lastUsedStep ?? null;
        set.totp_confirmed_at = patch.totp?.confirmedAt?.getTime() ?? null;
      }
      const row = await db.updateTable('users').set(set).where('id', '=', id).returningAll().executeTakeFirst();
      return row && userFromRow(row);
    },
    async useTotpStep(id, step, at) {
      // Compare-and-set in one UPDATE: of two logins with the same code, the second finds the step used.
      const res = await db.updateTable('users').set({ totp_last_used_step: step, updated_at: at.getTime() })
        .where('id', '=', id).where('totp_secret', 'is not', null)
        .where((eb) => eb.or([eb('totp_last_used_step', 'is', null), eb('totp_last_used_step', '<', step)]))
        .executeTakeFirst();
      return count(res.numUpdatedRows) === 1;
    },
    async list({ limit, after }) {
      let q = db.selectFrom('users').selectAll();
      if (after !== undefined) q = q.where('username', '>', after);
      const rows = await q.orderBy('username').limit(pageLimit(limit)).execute();
      return rows.map(userFromRow);
    },
  };

  const sessions: SessionStore = {
    async create(record) {
      const res = await db.insertInto('sessions').values(sessionToRow(record))
        .onConflict((oc) => oc.column('id_hash').doNothing()).executeTakeFirst();
      if (count(res.numInsertedOrUpdatedRows) === 0) throw new ConflictError('session', record.sid);
    },
    async get(idHash) {
      const row = await db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
      return row && sessionFromRow(row);
    },
    async touch(idHash, at) {
      const res = await db.updateTable('sessions').set({ last_seen_at: at.getTime() })
        .where('id_hash', '=', idHash).where('revoked_at', 'is', null).executeTakeFirst();
      return count(res.numUpdatedRows) > 0;
    },
    async revoke(idHash, at) {
      const row = await db.updateTable('sessions')
        .set({ revoked_at: sql<number>`coalesce(revoked_at, ${at.getTime()})` })
        .where('id_hash', '=', idHash).returningAll().executeTakeFirst();
      return row && sessionFromRow(row);
    },
    async revokeByUser(userId, at) {
      const rows = await db.updateTable('sessions').set({ revoked_at: at.getTime() })
        .where('user_id', '=', userId).where('revoked_at', 'is', null).returningAll().execute();
      return rows.map(sessionFromRow);
    },
    async addClient(sid, clientId, at) {
      await db.insertInto('session_clients').values({ sid, client_id: clientId, added_at: at.getTime() })
        .onConflict((oc) => oc.columns(['sid', 'client_id']).doNothing()).execute();
    },
    async clientsOf(sid) {
      const rows = await db.selectFrom('session_clients').select('client_id').where('sid', '=', sid).execute();
      // Sorted in JS: PostgreSQL collations vary.
      return rows.map((r) => r.client_id).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    },
    async pruneExpired(before) {
      const res = await db.deleteFrom('sessions').where('expires_at', '<', before.getTime()).executeTakeFirst();
      // The lists of sids no row holds any more (by the sessions_sid index); a replaced session's sid lives on in its successor.
      await db.deleteFrom('session_clients')
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('sessions').select('sessions.sid').whereRef('sessions.sid', '=', 'session_clients.sid'))))
        .execute();
      return count(res.numDeletedRows);
    },
  };

  const loginThrottle: LoginThrottleStore = {
    async increment(key, now, ttlSeconds) {
      const at = now.getTime();
      const expiresAt = at + Math.round(ttlSeconds * 1000);
      // One upsert: a live counter gains one, an expired one restarts at 1 (Redis INCR + EXPIRE, in SQL).
      const row = await db.insertInto('login_throttle').values({ key, count: 1, last_at: at, expires_at: expiresAt })
        .onConflict((oc) => oc.column('key').doUpdateSet({
          count: sql<number>`case when login_throttle.expires_at > ${at} then login_throttle.count + 1 else 1 end`,
          last_at: at,
          expires_at: expiresAt,
        }))
        .returning(['count', 'last_at', 'expires_at']).executeTakeFirstOrThrow();
      return { count: Number(row.count), lastAt: new Date(row.last_at), expiresAt: new Date(row.expires_at) };
    },
    async get(key, now) {
      const row = await db.selectFrom('login_throttle').selectAll().where('key', '=', key)
        .where('expires_at', '>', now.getTime()).executeTakeFirst();
      return row && { count: Number(row.count), lastAt: new Date(row.last_at), expiresAt: new Date(row.expires_at) };
    },
    async delete(key) {
      await db.deleteFrom('login_throttle').where('key', '=', key).execute();
    },
    async pruneExpired(before) {
      const res = await db.deleteFrom('login_throttle').where('expires_at', '<', before.getTime()).executeTakeFirst();
      return count(res.numDeletedRows);
    },
  };

  return { users, sessions, loginThrottle };
}
