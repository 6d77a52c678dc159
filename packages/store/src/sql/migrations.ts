import { sql } from 'kysely';
import type { Compilable, Kysely } from 'kysely';
import type { Database } from './schema.js';

export type SqlDialect = 'sqlite' | 'postgres';

/**
 * A schema change, written once with Kysely's schema builder for both dialects. `up` only *builds*
 * statements; the dialect's runner executes them inside its exclusive migration transaction, so a
 * migration is applied completely or not at all. Append new migrations; never edit an applied one.
 */
export interface Migration {
  name: string;
  up(db: Kysely<Database>, dialect: SqlDialect): Compilable[];
}

/** The table that records applied migrations (`name`, `applied_at` epoch ms). */
export function migrationsTable(db: Kysely<Database>): Compilable {
  return db.schema
    .createTable('tessera_migrations')
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('applied_at', 'bigint', (c) => c.notNull());
}

export const migrations: Migration[] = [
  {
    name: '0001_initial',
    up(db, dialect) {
      const json = dialect === 'postgres' ? 'jsonb' : 'text';
      const s = db.schema;
      return [
        s.createTable('clients')
          .addColumn('client_id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('secret_hash', 'text')
          .addColumn('auth_methods', json, (c) => c.notNull())
          .addColumn('grant_types', json, (c) => c.notNull())
          .addColumn('scopes', json, (c) => c.notNull())
          .addColumn('resources', json, (c) => c.notNull())
          .addColumn('redirect_uris', json, (c) => c.notNull())
          .addColumn('jwks', json)
          .addColumn('metadata', json, (c) => c.notNull())
          .addColumn('disabled', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull()),

        s.createTable('resources')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('token_format', 'text', (c) => c.notNull())
          .addColumn('access_token_ttl', 'integer', (c) => c.notNull())
          .addColumn('scopes', json, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull()),

        s.createTable('tokens')
          .addColumn('hash', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('jti', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('audience', json, (c) => c.notNull())
          .addColumn('scope', json, (c) => c.notNull())
          .addColumn('grant_id', 'text')
          .addColumn('jkt', 'text')
          .addColumn('device_id', 'text')
          .addColumn('session_id', 'text')
          .addColumn('claims', json, (c) => c.notNull())
          .addColumn('issued_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('revoked_at', 'bigint'),
        // Joint revocation (refresh family, logout, device non-compliance) and pruning look tokens up by
        // these. Partial: most tokens have no grant/device/session, and every index entry costs a b-tree
        // insert on the issuance hot path.
        s.createIndex('tokens_grant_id').on('tokens').column('grant_id').where('grant_id', 'is not', null),
        s.createIndex('tokens_device_id').on('tokens').column('device_id').where('device_id', 'is not', null),
        s.createIndex('tokens_session_id').on('tokens').column('session_id').where('session_id', 'is not', null),
        s.createIndex('tokens_expires_at').on('tokens').column('expires_at'),

        s.createTable('revocations')
          .addColumn('jti', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('revoked_at', 'bigint', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull()),
        s.createIndex('revocations_expires_at').on('revocations').column('expires_at'),
        s.createIndex('revocations_revoked_at').on('revocations').columns(['revoked_at', 'jti']),

        s.createTable('signing_keys')
          .addColumn('kid', 'text', (c) => c.primaryKey())
          .addColumn('alg', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('public_jwk', json, (c) => c.notNull())
          .addColumn('encrypted_private_key', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('activates_at', 'bigint', (c) => c.notNull())
          .addColumn('retired_at', 'bigint')
          .addColumn('remove_after', 'bigint'),

        s.createTable('replay')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('expires_at', 'bigint', (c) => c.notNull()),
        s.createIndex('replay_expires_at').on('replay').column('expires_at'),
      ];
    },
  },
  {
    name: '0002_accounts',
    up(db, dialect) {
      const json = dialect === 'postgres' ? 'jsonb' : 'text';
      const s = db.schema;
      return [
        s.createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('email', 'text')
          .addColumn('email_verified', 'integer', (c) => c.notNull())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('totp_secret', 'text')
          .addColumn('totp_last_used_step', 'bigint')
          .addColumn('totp_confirmed_at', 'bigint')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('groups', json, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull()),

        s.createTable('sessions')
          .addColumn('id_hash', 'text', (c) => c.primaryKey())
          .addColumn('sid', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('idle_timeout_seconds', 'integer', (c) => c.notNull())
          .addColumn('amr', json, (c) => c.notNull())
          .addColumn('acr', 'text')
          .addColumn('auth_time', 'bigint', (c) => c.notNull())
          .addColumn('revoked_at', 'bigint'),
        s.createIndex('sessions_user_id').on('sessions').column('user_id'),
        s.createIndex('sessions_sid').on('sessions').column('sid'),
        s.createIndex('sessions_expires_at').on('sessions').column('expires_at'),

        s.createTable('login_throttle')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addColumn('last_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull()),
        s.createIndex('login_throttle_expires_at').on('login_throttle').column('expires_at'),
      ];
    },
  },
  {
    name: '0003_user_flows',
    up(db, dialect) {
      const json = dialect === 'postgres' ? 'jsonb' : 'text';
      const s = db.schema;
      return [
        // Refresh rotation (RFC 9700 §4.14.2). One column per ALTER: SQLite adds one at a time. Existing
        // rows get NULL: not rotated.
        s.alterTable('tokens').addColumn('rotated_at', 'bigint'),
        s.alterTable('tokens').addColumn('successor_hash', 'text'),
        // revokeBySubject (user disabled). Costs one more b-tree insert per stored token.
        s.createIndex('tokens_subject').on('tokens').column('subject'),

        s.createTable('authorization_codes')
          .addColumn('hash', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('session_id', 'text')
          .addColumn('redirect_uri', 'text', (c) => c.notNull())
          .addColumn('scope', json, (c) => c.notNull())
          .addColumn('resource', json, (c) => c.notNull())
          .addColumn('code_challenge', 'text', (c) => c.notNull())
          .addColumn('code_challenge_method', 'text', (c) => c.notNull())
          .addColumn('nonce', 'text')
          .addColumn('auth_time', 'bigint', (c) => c.notNull())
          .addColumn('acr', 'text')
          .addColumn('amr', json, (c) => c.notNull())
          .addColumn('claims', json, (c) => c.notNull())
          .addColumn('dpop_jkt', 'text')
          .addColumn('grant_id', 'text', (c) => c.notNull())
          .addColumn('issued_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('consumed_at', 'bigint'),
        s.createIndex('authorization_codes_expires_at').on('authorization_codes').column('expires_at'),

        s.createTable('grants')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('scope', json, (c) => c.notNull())
          .addColumn('resources', json, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('revoked_at', 'bigint'),
        s.createIndex('grants_user_id').on('grants').columns(['user_id', 'created_at']),
        s.createIndex('grants_revoked_at').on('grants').column('revoked_at').where('revoked_at', 'is not', null),

        s.createTable('consent')
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('item_kind', 'text', (c) => c.notNull())
          .addColumn('item', 'text', (c) => c.notNull())
          .addColumn('granted_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('consent_pk', ['user_id', 'client_id', 'item_kind', 'item']),

        s.createTable('device_codes')
          .addColumn('hash', 'text', (c) => c.primaryKey())
          .addColumn('user_code', 'text', (c) => c.notNull().unique())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('scope', json, (c) => c.notNull())
          .addColumn('resource', json, (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text')
          .addColumn('grant_id', 'text')
          .addColumn('interval_seconds', 'integer', (c) => c.notNull())
          .addColumn('last_polled_at', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull()),
        s.createIndex('device_codes_expires_at').on('device_codes').column('expires_at'),
      ];
    },
  },
  {
    name: '0004_device_trust',
    up(db, dialect) {
      const json = dialect === 'postgres' ? 'jsonb' : 'text';
      const s = db.schema;
      return [
        s.createTable('devices')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text')
          .addColumn('platform', 'text', (c) => c.notNull())
          .addColumn('os_version', 'text', (c) => c.notNull())
          .addColumn('uem', 'text', (c) => c.notNull())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('posture_event_id', 'text')
          .addColumn('posture_source', 'text')
          .addColumn('posture_reported_at', 'bigint')
          .addColumn('posture_received_at', 'bigint')
          .addColumn('posture_signals', json)
          .addColumn('compliance_compliant', 'integer')
          .addColumn('compliance_reasons', json)
          .addColumn('compliance_evaluated_at', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull()),
        s.createIndex('devices_user_id').on('devices').columns(['user_id', 'created_at']).where('user_id', 'is not', null),
        s.createIndex('devices_created_at').on('devices').columns(['created_at', 'id']),
        // The freshness sweep reads only compliant devices, by report age.
        s.createIndex('devices_compliant_reported_at').on('devices').column('posture_reported_at')
          .where(sql.ref('compliance_compliant'), '=', 1),

        s.createTable('device_keys')
          .addColumn('jkt', 'text', (c) => c.primaryKey())
          .addColumn('device_id', 'text', (c) => c.notNull())
          .addColumn('ordinal', 'integer', (c) => c.notNull())
          .addColumn('jwk', json, (c) => c.notNull())
          .addColumn('added_at', 'bigint', (c) => c.notNull()),
        s.createIndex('device_keys_device_id').on('device_keys').columns(['device_id', 'ordinal']),

        s.createTable('device_posture_history')
          .addColumn('device_id', 'text', (c) => c.notNull())
          .addColumn('event_id', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('reported_at', 'bigint', (c) => c.notNull())
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .addColumn('signals', json, (c) => c.notNull())
          .addPrimaryKeyConstraint('device_posture_history_pk', ['device_id', 'event_id']),
        s.createIndex('device_posture_history_reported_at').on('device_posture_history').columns(['device_id', 'reported_at']),
        s.createIndex('device_posture_history_received_at').on('device_posture_history').column('received_at'),

        s.createTable('decision_log')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('grant_type', 'text')
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text')
          .addColumn('device_id', 'text')
          .addColumn('audience', json, (c) => c.notNull())
          .addColumn('scope', json, (c) => c.notNull())
          .addColumn('decision', 'text', (c) => c.notNull())
          .addColumn('policies', json, (c) => c.notNull())
          .addColumn('reasons', json, (c) => c.notNull()),
        s.createIndex('decision_log_at').on('decision_log').column('at'),
        s.createIndex('decision_log_user_id').on('decision_log').columns(['user_id', 'at']).where('user_id', 'is not', null),
        s.createIndex('decision_log_device_id').on('decision_log').columns(['device_id', 'at']).where('device_id', 'is not', null),
        s.createIndex('decision_log_client_id').on('decision_log').columns(['client_id', 'at']),

        s.createTable('cutoffs')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('cutoffs_pk', ['kind', 'id']),
        s.createIndex('cutoffs_at').on('cutoffs').column('at'),
        s.createIndex('cutoffs_expires_at').on('cutoffs').column('expires_at'),

        s.createTable('ssf_streams')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('audience', json, (c) => c.notNull())
          .addColumn('issuer', 'text')
          .addColumn('delivery_method', 'text', (c) => c.notNull())
          .addColumn('endpoint_url', 'text')
          .addColumn('authorization_header', 'text')
          .addColumn('events_requested', json, (c) => c.notNull())
          .addColumn('events_delivered', json, (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('description', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull()),

        s.createTable('ssf_events')
          .addColumn('jti', 'text', (c) => c.primaryKey())
          .addColumn('stream_id', 'text', (c) => c.notNull())
          .addColumn('set_jwt', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
          .addColumn('lease_until', 'bigint')
          .addColumn('last_error', 'text')
          .addColumn('delivered_at', 'bigint'),
        s.createIndex('ssf_events_pending').on('ssf_events').columns(['stream_id', 'created_at', 'jti']).where(sql.ref('status'), '=', 'pending'),
        s.createIndex('ssf_events_due').on('ssf_events').columns(['next_attempt_at']).where(sql.ref('status'), '=', 'pending'),
        s.createIndex('ssf_events_delivered_at').on('ssf_events').column('delivered_at').where('delivered_at', 'is not', null),
      ];
    },
  },
  {
    name: '0005_device_code_sign_in',
    up(db, dialect) {
      const json = dialect === 'postgres' ? 'jsonb' : 'text';
      // The approving session's facts, for the device flow's ID token. One column per ALTER (SQLite);
      // nullable: pending codes have none, and codes approved before this migration keep none.
      return [
        db.schema.alterTable('device_codes').addColumn('sign_in_sid', 'text'),
        db.schema.alterTable('device_codes').addColumn('auth_time', 'bigint'),
        db.schema.alterTable('device_codes').addColumn('acr', 'text'),
        db.schema.alterTable('device_codes').addColumn('amr', json),
      ];
    },
  },
  {
    name: '0006_session_clients',
    up(db) {
      return [
        // Back-channel logout of one session tells the clients signed in there (OIDC Back-Channel Logout
        // §2.3). Keyed by the public sid, which a same-user re-sign-in carries over to the new row.
        db.schema.createTable('session_clients')
          .addColumn('sid', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('added_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('session_clients_pk', ['sid', 'client_id']),
      ];
    },
  },
  {
    name: '0007_pushed_requests',
    up(db, dialect) {
      const json = dialect === 'postgres' ? 'jsonb' : 'text';
      // RFC 9126: pushed authorization requests, keyed by the SHA-256 of the request_uri's random part.
      return [
        db.schema.createTable('pushed_requests')
          .addColumn('hash', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('params', json, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('consumed_at', 'bigint'),
        db.schema.createIndex('pushed_requests_expires_at').on('pushed_requests').column('expires_at'),
      ];
    },
  },
];
