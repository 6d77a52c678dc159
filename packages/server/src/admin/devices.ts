import type { Storage, TokenRecord } from '@tessera/store';
import { createComplianceEvaluator } from '../devices/compliance.js';
import { devicesSchema, type DevicesConfig } from '../devices/config.js';
import { createDeviceRegistry, type DeviceRegistry } from '../devices/registry.js';
import { createEventBus, type EventBus } from '../events/bus.js';

/**
 * Managing devices (issue 5 §1, §7): enrol with public keys, list, show (posture, verdict, reasons with
 * remediation text), posture history, keys, delete.
 */
export interface DeviceAdmin extends Pick<DeviceRegistry, 'enrol' | 'get' | 'list' | 'delete' | 'addKey' | 'removeKey' | 'history' | 'reevaluate'> {
  /** The stored tokens (refresh tokens, opaque access tokens) bound to the device, newest first; never their hashes. */
  tokens(id: string, limit?: number): Promise<DeviceTokenView[]>;
}

/** A token bound to a device, as an operator may see it (no hash, no claims). */
export interface DeviceTokenView {
  jti: string;
  kind: TokenRecord['kind'];
  clientId: string;
  subject: string;
  sessionId: string | null;
  scope: string[];
  audience: string[];
  issuedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

const tokenView = (t: TokenRecord): DeviceTokenView => ({
  jti: t.jti, kind: t.kind, clientId: t.clientId, subject: t.subject, sessionId: t.sessionId, scope: t.scope,
  audience: t.audience, issuedAt: t.issuedAt, expiresAt: t.expiresAt, revokedAt: t.revokedAt,
});

/** Settings of {@link createDeviceAdmin}: the running server passes its registry; the CLI, nothing. */
export interface DeviceAdminOptions {
  /** The server's registry, so that deletions and re-evaluations reach CAE and SSF through its event bus. */
  registry?: DeviceRegistry;
  /** Without a registry: the compliance settings (default: the config defaults) and the bus to emit on. */
  config?: DevicesConfig;
  events?: EventBus;
}

export function createDeviceAdmin(storage: Pick<Storage, 'devices' | 'users' | 'tokens'>, now: () => number, options: DeviceAdminOptions = {}): DeviceAdmin {
  const registry = options.registry ?? registryFor(storage, now, options);
  return {
    enrol: registry.enrol, get: registry.get, list: registry.list, delete: registry.delete, addKey: registry.addKey,
    removeKey: registry.removeKey, history: registry.history, reevaluate: registry.reevaluate,
    async tokens(id, limit = 100) {
      return (await storage.tokens.listByDevice(id, Math.min(Math.max(1, Math.floor(limit)), 1000))).map(tokenView);
    },
  };
}

function registryFor(storage: Pick<Storage, 'devices' | 'users'>, now: () => number, options: DeviceAdminOptions): DeviceRegistry {
  const config = options.config ?? devicesSchema.parse({});
  return createDeviceRegistry({
    storage,
    // Outside a server nobody listens; a deletion made here is seen by a running server's CAE only
    // through the store (the device and its keys are gone, so its bound tokens find no device).
    events: options.events ?? createEventBus(() => undefined),
    evaluator: createComplianceEvaluator(config),
    maxReportAge: config.maxReportAge,
    historyRetention: config.historyRetention,
    now,
  });
}
