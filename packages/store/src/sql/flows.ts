import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { ConflictError } from '../contracts/index.js';
import type {
  AuthorizationCodeRecord,
  AuthorizationCodeStore,
  ConsentRecord,
  DeviceCodeRecord,
  DeviceCodeStore,
  DeviceSignIn,
  GrantRecord,
  GrantStore,
} from '../contracts/index.js';
import { nextPoll } from '../device-poll.js';
import type { AuthorizationCodesTable, ConsentTable, Database, DeviceCodesTable, GrantsTable } from './schema.js';

const count = (n: bigint | undefined): number => Number(n ?? 0n);
const json = (v: unknown): string => JSON.stringify(v);
const dateOrNull = (n: number | null): Date | null => (n === null ? null : new Date(n));
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** A poll that loses its compare-and-set retries; each loss means another writer made progress. */
const MAX_POLL_ATTEMPTS = 100;

function codeToRow(r: AuthorizationCodeRecord): AuthorizationCodesTable {
  return {
    hash: r.hash, client_id: r.clientId, user_id: r.userId, session_id: r.sessionId, redirect_uri: r.redirectUri,
    scope: json(r.scope), resource: json(r.resource), code_challenge: r.codeChallenge,
    code_challenge_method: r.codeChallengeMethod, nonce: r.nonce, auth_time: r.authTime.getTime(), acr: r.acr,
    amr: json(r.amr), claims: json(r.claims), dpop_jkt: r.dpopJkt, grant_id: r.grantId,
    issued_at: r.issuedAt.getTime(), expires_at: r.expiresAt.getTime(), consumed_at: r.consumedAt?.getTime() ?? null,
  };
}

function codeFromRow(r: AuthorizationCodesTable): AuthorizationCodeRecord {
  return {
    v: 1, hash: r.hash, clientId: r.client_id, userId: r.user_id, sessionId: r.session_id, redirectUri: r.redirect_uri,
    scope: JSON.parse(r.scope), resource: JSON.parse(r.resource), codeChallenge: r.code_challenge,
    codeChallengeMethod: r.code_challenge_method as 'S256', nonce: r.nonce, authTime: new Date(r.auth_time),
    acr: r.acr, amr: JSON.parse(r.amr), claims: JSON.parse(r.claims), dpopJkt: r.dpop_jkt, grantId: r.grant_id,
    issuedAt: new Date(r.issued_at), expiresAt: new Date(r.expires_at), consumedAt: dateOrNull(r.consumed_at),
  };
}

function grantToRow(r: GrantRecord): GrantsTable {
  return {
    id: r.id, user_id: r.userId, client_id: r.clientId, scope: json(r.scope), resources: json(r.resources),
    created_at: r.createdAt.getTime(), updated_at: r.updatedAt.getTime(), revoked_at: r.revokedAt?.getTime() ?? null,
  };
}

function grantFromRow(r: GrantsTable): GrantRecord {
  return {
    v: 1, id: r.id, userId: r.user_id, clientId: r.client_id, scope: JSON.parse(r.scope),
    resources: JSON.parse(r.resources), createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at),
    revokedAt: dateOrNull(r.revoked_at),
  };
}

function deviceToRow(r: DeviceCodeRecord, version: number): DeviceCodesTable {
  return {
    hash: r.hash, user_code: r.userCode, client_id: r.clientId, scope: json(r.scope), resource: json(r.resource),
    status: r.status, user_id: r.userId, grant_id: r.grantId, interval_seconds: r.interval,
    last_polled_at: r.lastPolledAt?.getTime() ?? null, created_at: r.createdAt.getTime(),
    expires_at: r.expiresAt.getTime(), version, ...signInToRow(r.signIn),
  };
}

function signInToRow(s: DeviceSignIn | null): Pick<DeviceCodesTable, 'sign_in_sid' | 'auth_time' | 'acr' | 'amr'> {
  return s === null
    ? { sign_in_sid: null, auth_time: null, acr: null, amr: null }
    : { sign_in_sid: s.sessionId, auth_time: s.authTime.getTime(), acr: s.acr, amr: json(s.amr) };
}

function signInFromRow(r: DeviceCodesTable): DeviceSignIn | null {
  if (r.sign_in_sid === null || r.auth_time === null) return null;
  return { sessionId: r.sign_in_sid, authTime: new Date(r.auth_time), acr: r.acr, amr: r.amr === null ? [] : JSON.parse(r.amr) };
}

function deviceFromRow(r: DeviceCodesTable): DeviceCodeRecord {
  return {
    v: 1, hash: r.hash, userCode: r.user_code, clientId: r.client_id, scope: JSON.parse(r.scope),
    resource: JSON.parse(r.resource), status: r.status as DeviceCodeRecord['status'], userId: r.user_id,
    grantId: r.grant_id, interval: Number(r.interval_seconds), lastPolledAt: dateOrNull(r.last_polled_at),
    createdAt: new Date(r.created_at), expiresAt: new Date(r.expires_at), signIn: signInFromRow(r),
  };
}

/** PostgreSQL `unique_violation` (SQLSTATE 23505) or a SQLite primary-key / unique constraint failure. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Consent rows of one (user, client) as a record; items sorted in JS (PostgreSQL collations vary). */
function consentFromRows(userId: string, clientId: string, rows: ConsentTable[]): ConsentRecord | undefined {
  if (rows.length === 0) return undefined;
  const items = (kind: string) => rows.filter((r) => r.item_kind === kind).map((r) => r.item).sort(compare);
  const times = rows.map((r) => Number(r.granted_at));
  return {
    userId, clientId, scopes: items('scope'), resources: items('resource'),
    createdAt: new Date(Math.min(...times)), updatedAt: new Date(Math.max(...times)),
  };
}

/** Authorization codes, grants/consent and device codes over Kysely, one statement per write. */
export function createSqlFlowSlices(db: Kysely<Database>) {
  const authorizationCodes: AuthorizationCodeStore = {
    async create(record) {
      const res = await db.insertInto('authorization_codes').values(codeToRow(record))
        .onConflict((oc) => oc.column('hash').doNothing()).executeTakeFirst();
      if (count(res.numInsertedOrUpdatedRows) === 0) throw new ConflictError('authorization code', record.hash);
    },
    async consume(hash, at) {
      // The compare-and-set decides; concurrent callers queue on the row lock and then find it consumed.
      const won = await db.updateTable('authorization_codes').set({ consumed_at: at.getTime() })
        .where('hash', '=', hash).where('consumed_at', 'is', null).returningAll().executeTakeFirst();
      if (won) return { status: 'ok', record: codeFromRow(won) };
      const row = await db.selectFrom('authorization_codes').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row ? { status: 'replayed', record: codeFromRow(row) } : { status: 'not_found' };
    },
    async pruneExpired(before) {
      const res = await db.deleteFrom('authorization_codes').where('expires_at', '<', before.getTime()).executeTakeFirst();
      return count(res.numDeletedRows);
    },
  };

  const consentRows = (userId: string, clientId: string) =>
    db.selectFrom('consent').selectAll().where('user_id', '=', userId).where('client_id', '=', clientId).execute();

  const grants: GrantStore = {
    async create(record) {
      const res = await db.insertInto('grants').values(grantToRow(record))
        .onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
      if (count(res.numInsertedOrUpdatedRows) === 0) throw new ConflictError('grant', record.id);
    },
    async get(id) {
      const row = await db.selectFrom('grants').selectAll().where('id', '=', id).executeTakeFirst();
      return row && grantFromRow(row);
    },
    async update(id, change, at) {
      const row = await db.updateTable('grants')
        .set({ scope: json(change.scope), resources: json(change.resources), updated_at: at.getTime() })
        .where('id', '=', id).where('revoked_at', 'is', null).returningAll().executeTakeFirst();
      return row && grantFromRow(row);
    },
    async revoke(id, at) {
      const row = await db.updateTable('grants').set({ revoked_at: sql<number>`coalesce(revoked_at, ${at.getTime()})` })
        .where('id', '=', id).returningAll().executeTakeFirst();
      return row && grantFromRow(row);
    },
    async listByUser(userId) {
      const rows = await db.selectFrom('grants').selectAll().where('user_id', '=', userId).where('revoked_at', 'is', null)
        .orderBy('created_at').orderBy('id').execute();
      return rows.map(grantFromRow);
    },
    async findConsent(userId, clientId) {
      return consentFromRows(userId, clientId, await consentRows(userId, clientId));
    },
    async saveConsent(userId, clientId, granted, at) {
      const item = (item_kind: string) => (value: string): ConsentTable =>
        ({ user_id: userId, client_id: clientId, item_kind, item: value, granted_at: at.getTime() });
      const rows = [...new Set(granted.scopes)].map(item('scope')).concat([...new Set(granted.resources)].map(item('resource')));
      // One multi-row INSERT: items already granted keep their first time, new ones are added.
      if (rows.length > 0) {
        await db.insertInto('consent').values(rows)
          .onConflict((oc) => oc.columns(['user_id', 'client_id', 'item_kind', 'item']).doNothing()).execute();
      }
      return consentFromRows(userId, clientId, await consentRows(userId, clientId))
        ?? { userId, clientId, scopes: [], resources: [], createdAt: at, updatedAt: at };
    },
    async revokeConsent(userId, clientId) {
      const res = await db.deleteFrom('consent').where('user_id', '=', userId).where('client_id', '=', clientId)
        .executeTakeFirst();
      return count(res.numDeletedRows) > 0;
    },
    async pruneExpired(before) {
      const res = await db.deleteFrom('grants').where('revoked_at', '<', before.getTime()).executeTakeFirst();
      return count(res.numDeletedRows);
    },
  };

  const decide = async (userCode: string, at: Date, set: Partial<DeviceCodesTable>) => {
    const row = await db.updateTable('device_codes').set({ ...set, version: sql<number>`version + 1` })
      .where('user_code', '=', userCode).where('status', '=', 'pending').where('expires_at', '>', at.getTime())
      .returningAll().executeTakeFirst();
    return row && deviceFromRow(row);
  };

  const deviceCodes: DeviceCodeStore = {
    async create(record) {
      const row = deviceToRow(record, 0);
      // One upsert: a live holder of the user code makes it a no-op (conflict); an expired one is replaced.
      const res = await db.insertInto('device_codes').values(row)
        .onConflict((oc) => oc.column('user_code')
          .doUpdateSet((eb) => Object.fromEntries(Object.keys(row).map((c) => [c, eb.ref(`excluded.${c as keyof DeviceCodesTable}`)])))
          .where('device_codes.expires_at', '<=', row.created_at))
        .executeTakeFirst()
        .catch((error: unknown) => {
          // The upsert's target is the user code; a duplicate device-code hash still fails the statement.
          throw isUniqueViolation(error) ? new ConflictError('device code', record.userCode) : error;
        });
      if (count(res.numInsertedOrUpdatedRows) === 0) throw new ConflictError('device code', record.userCode);
    },
    async findByUserCode(userCode) {
      const row = await db.selectFrom('device_codes').selectAll().where('user_code', '=', userCode).executeTakeFirst();
      return row && deviceFromRow(row);
    },
    async approve(userCode, approval, at) {
      const set: Partial<DeviceCodesTable> = {
        status: 'approved', user_id: approval.userId, grant_id: approval.grantId, ...signInToRow(approval.signIn),
      };
      return decide(userCode, at, approval.scope ? { ...set, scope: json(approval.scope) } : set);
    },
    async deny(userCode, userId, at) {
      return decide(userCode, at, { status: 'denied', user_id: userId });
    },
    async poll(hash, now) {
      for (let attempt = 0; attempt < MAX_POLL_ATTEMPTS; attempt++) {
        const row = await db.selectFrom('device_codes').selectAll().where('hash', '=', hash).executeTakeFirst();
        if (!row) return { status: 'not_found' };
        const { result, write } = nextPoll(deviceFromRow(row), now);
        if (!write) return result;
        const version = Number(row.version);
        const res = await db.updateTable('device_codes')
          .set({
            status: write.status, interval_seconds: write.interval, last_polled_at: now.getTime(), version: version + 1,
          })
          .where('hash', '=', hash).where('version', '=', version).executeTakeFirst();
        if (count(res.numUpdatedRows) === 1) return result;
      }
      throw new Error(`device code poll lost ${MAX_POLL_ATTEMPTS} compare-and-set rounds in a row`);
    },
    async pruneExpired(before) {
      const res = await db.deleteFrom('device_codes').where('expires_at', '<', before.getTime()).executeTakeFirst();
      return count(res.numDeletedRows);
    },
  };

  return { authorizationCodes, grants, deviceCodes };
}
