import type { Storage } from '@tessera/store';
import { createComplianceEvaluator } from '../devices/compliance.js';
import { devicesSchema, type DevicesConfig } from '../devices/config.js';
import { createDeviceRegistry, type DeviceRegistry } from '../devices/registry.js';
import { createEventBus, type EventBus } from '../events/bus.js';

/**
 * Managing devices (issue 5 §1, §7): enrol with public keys, list, show (posture, verdict, reasons with
 * remediation text), posture history, keys, delete.
 */
export type DeviceAdmin = Pick<DeviceRegistry, 'enrol' | 'get' | 'list' | 'delete' | 'addKey' | 'removeKey' | 'history' | 'reevaluate'>;

/** Settings of {@link createDeviceAdmin}: the running server passes its registry; the CLI, nothing. */
export interface DeviceAdminOptions {
  /** The server's registry, so that deletions and re-evaluations reach CAE and SSF through its event bus. */
  registry?: DeviceRegistry;
  /** Without a registry: the compliance settings (default: the config defaults) and the bus to emit on. */
  config?: DevicesConfig;
  events?: EventBus;
}

export function createDeviceAdmin(storage: Pick<Storage, 'devices' | 'users'>, now: () => number, options: DeviceAdminOptions = {}): DeviceAdmin {
  if (options.registry) return options.registry;
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
