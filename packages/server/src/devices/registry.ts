import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  ConflictError,
  type DeviceCompliance,
  type DeviceKey,
  type DevicePosture,
  type DeviceRecord,
  type PostureHistoryEntry,
  type PostureReport,
  type Storage,
} from '@tessera/store';
import type { Reason } from '@tessera/policy';
import { AdminError } from '../admin/errors.js';
import type { EventBus } from '../events/bus.js';
import { describeReason, type ComplianceEvaluator } from './compliance.js';
import { DeviceKeyError, parseDeviceKey } from './keys.js';

/** Device ids appear in URLs, logs and token claims: a conservative alphabet. */
export const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const PLATFORMS = ['ios', 'ipados', 'android', 'macos', 'windows', 'linux'] as const;

const enrolSchema = z.strictObject({
  id: z.string().regex(DEVICE_ID, 'letters, digits and . _ : - (at most 128), starting with a letter or digit').optional()
    .describe('The device id; defaults to a random one. Using the UEM\'s own id lets its webhooks name the device'),
  userId: z.string().min(1).max(128).nullable().default(null),
  platform: z.enum(PLATFORMS),
  osVersion: z.string().min(1).max(64),
  uem: z.string().min(1).max(63),
  displayName: z.string().min(1).max(200),
  keys: z.array(z.unknown()).max(10).default([]),
});

/** What {@link DeviceRegistry.enrol} takes. Keys are public JWKs (EC P-256, Ed25519, RSA ≥ 2048). */
export type EnrolDeviceInput = z.input<typeof enrolSchema>;

/** A compliance verdict with what each reason means and how to fix it. */
export interface ComplianceView {
  compliant: boolean;
  reasons: Reason[];
  evaluatedAt: Date;
}

/** A device as the admin API shows it: posture, verdict, reasons with remediation text. */
export interface DeviceView {
  id: string;
  userId: string | null;
  platform: DeviceRecord['platform'];
  osVersion: string;
  uem: string;
  displayName: string;
  keys: DeviceKey[];
  posture: DevicePosture | null;
  compliance: ComplianceView | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What {@link DeviceRegistry.report} did with a posture report. */
export interface ReportOutcome {
  status: 'applied' | 'stale' | 'duplicate' | 'not_found';
  /** The device after the report (and its re-evaluation), absent for `not_found`. */
  device?: DeviceRecord;
  /** Whether the compliant/not-compliant verdict flipped because of this report (an event was emitted). */
  changed: boolean;
}

/** The device registry (issue 5 §1): enrolment, keys, posture, compliance and its events. */
export interface DeviceRegistry {
  /** Validate and register a device with its public keys; {@link AdminError} on bad input or a taken id/key. */
  enrol(input: EnrolDeviceInput): Promise<DeviceView>;
  get(id: string): Promise<DeviceView | undefined>;
  /**
   * One page ordered by enrolment (pass `next` back as `after`); with `userId`, that user's devices (at
   * most `limit`, no cursor).
   */
  list(options?: { limit?: number; after?: string; userId?: string; uem?: string }): Promise<{ devices: DeviceView[]; next: string | null }>;
  /** Delete with keys and history, and emit `device.deleted` (CAE treats it as non-compliant forever). */
  delete(id: string): Promise<boolean>;
  addKey(id: string, jwk: unknown): Promise<DeviceView | undefined>;
  removeKey(id: string, jkt: string): Promise<DeviceView | undefined>;
  history(id: string, limit?: number): Promise<PostureHistoryEntry[]>;
  /**
   * Apply a posture report (durable when this resolves), re-evaluate compliance and, when the verdict
   * flipped, emit `device.compliance_changed` without waiting for its listeners.
   */
  report(deviceId: string, report: PostureReport): Promise<ReportOutcome>;
  /**
   * Re-evaluate a device now and store the verdict by compare-and-set; of concurrent evaluations exactly
   * one records a flip, and only that one emits. Resolves the device after the call.
   */
  reevaluate(id: string, known?: DeviceRecord): Promise<{ device: DeviceRecord; changed: boolean } | undefined>;
  /** Re-evaluate every compliant device whose last report is older than the maximum age; returns how many flipped. */
  sweep(): Promise<number>;
  /** Run {@link sweep} (and history pruning) every `intervalMs`; returns the stop function. */
  startSweep(intervalMs: number, onError: (error: unknown) => void): () => void;
}

export interface DeviceRegistryOptions {
  storage: Pick<Storage, 'devices' | 'users'>;
  events: EventBus;
  evaluator: ComplianceEvaluator;
  /** The maximum report age, seconds (what the sweep looks for). */
  maxReportAge: number;
  /** How long posture history is kept, seconds. */
  historyRetention: number;
  now: () => number;
}

const status = (c: DeviceCompliance | null): 'compliant' | 'not-compliant' => (c?.compliant === true ? 'compliant' : 'not-compliant');
const sameVerdict = (a: DeviceCompliance | null, b: DeviceCompliance) =>
  a !== null && a.compliant === b.compliant && a.reasons.length === b.reasons.length && a.reasons.every((r, i) => r === b.reasons[i]);
/** A compare-and-set that keeps losing means other writers keep making progress; give up after this many. */
const MAX_CAS_ATTEMPTS = 20;
const SWEEP_PAGE = 200;

export function viewDevice(d: DeviceRecord): DeviceView {
  return {
    id: d.id, userId: d.userId, platform: d.platform, osVersion: d.osVersion, uem: d.uem, displayName: d.displayName,
    keys: d.keys, posture: d.posture,
    compliance: d.compliance && { compliant: d.compliance.compliant, reasons: d.compliance.reasons.map(describeReason), evaluatedAt: d.compliance.evaluatedAt },
    createdAt: d.createdAt, updatedAt: d.updatedAt,
  };
}

export function createDeviceRegistry(options: DeviceRegistryOptions): DeviceRegistry {
  const { storage, events, evaluator, now } = options;

  function keysOf(inputs: readonly unknown[], at: Date): DeviceKey[] {
    return inputs.map((jwk, i) => {
      try {
        return { ...parseDeviceKey(jwk), addedAt: at };
      } catch (error) {
        if (error instanceof DeviceKeyError) throw new AdminError(`invalid device key ${i}: ${error.message}`, [{ path: `keys.${i}.${error.field}`, message: error.message }]);
        throw error;
      }
    });
  }

  /** `known`: the device as a write just returned it, saving the first read (the webhook's hot path). */
  async function reevaluate(id: string, known?: DeviceRecord): Promise<{ device: DeviceRecord; changed: boolean } | undefined> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const device = attempt === 0 && known ? known : await storage.devices.get(id);
      if (!device) return undefined;
      const at = new Date(now());
      const next = evaluator.evaluate(device, at);
      // Same verdict and reasons: nothing to write (the stored evaluatedAt says when it was first reached).
      if (sameVerdict(device.compliance, next)) return { device, changed: false };
      const result = await storage.devices.setCompliance(id, device.compliance, next);
      if (result.status === 'not_found') return undefined;
      if (result.status === 'conflict') continue;
      // A device never evaluated counts as not compliant (unknown is not compliant), so only a flip of
      // that status is an event; a change of reasons alone is not.
      const changed = status(device.compliance) !== status(next);
      if (changed) {
        void events.emit('device.compliance_changed', {
          deviceId: id, userId: device.userId, previous: status(device.compliance), current: status(next), reasons: next.reasons, at,
        });
      }
      return { device: result.record, changed };
    }
    throw new Error(`device ${id}: compliance kept changing under ${MAX_CAS_ATTEMPTS} concurrent evaluations`);
  }

  async function sweep(): Promise<number> {
    let flipped = 0;
    for (;;) {
      const stale = await storage.devices.listStaleCompliant(new Date(now() - options.maxReportAge * 1000), SWEEP_PAGE);
      let progressed = 0;
      for (const device of stale) {
        const result = await reevaluate(device.id);
        if (result?.changed) flipped++;
        if (result && result.device.compliance?.compliant !== true) progressed++;
      }
      // Stop when the page was the last, or when nothing on it could be turned (a clock that did not move).
      if (stale.length < SWEEP_PAGE || progressed === 0) return flipped;
    }
  }

  return {
    async enrol(input) {
      const parsed = enrolSchema.safeParse(input);
      if (!parsed.success) throw AdminError.fromZod('device', parsed.error);
      const spec = parsed.data;
      if (spec.userId !== null && (await storage.users.get(spec.userId)) === undefined) {
        throw new AdminError(`user "${spec.userId}" does not exist`, [{ path: 'userId', message: 'no such user', code: 'unknown_user' }]);
      }
      const at = new Date(now());
      const keys = keysOf(spec.keys, at);
      const record: DeviceRecord = {
        v: 1,
        id: spec.id ?? `dev_${randomBytes(16).toString('base64url')}`,
        userId: spec.userId, platform: spec.platform, osVersion: spec.osVersion, uem: spec.uem, displayName: spec.displayName,
        keys, posture: null, compliance: null, createdAt: at, updatedAt: at,
      };
      try {
        await storage.devices.create(record);
      } catch (error) {
        if (error instanceof ConflictError) {
          const what = error.entity === 'device' ? `device "${record.id}" already exists` : 'a key is already registered to a device';
          throw new AdminError(what, [{ path: error.entity === 'device' ? 'id' : 'keys', message: what, code: 'conflict' }]);
        }
        throw error;
      }
      return viewDevice(record);
    },
    async get(id) {
      const found = await storage.devices.get(id);
      return found && viewDevice(found);
    },
    async list(o = {}) {
      const limit = Math.min(Math.max(1, Math.floor(o.limit ?? 100)), 1000);
      if (o.userId !== undefined) {
        // A user has a handful of devices: one page, no cursor.
        const devices = (await storage.devices.listByUser(o.userId)).filter((d) => o.uem === undefined || d.uem === o.uem);
        return { devices: devices.slice(0, limit).map(viewDevice), next: null };
      }
      const page = await storage.devices.list({ limit, after: o.after, uem: o.uem });
      return { devices: page.devices.map(viewDevice), next: page.next };
    },
    async delete(id) {
      const found = await storage.devices.get(id);
      if (!found || !(await storage.devices.delete(id))) return false;
      // Awaited: when delete resolves, continuous access evaluation has revoked what the device held
      // (an admin, or a CLI about to exit, must not be told "deleted" before that).
      await events.emit('device.deleted', { deviceId: id, userId: found.userId, at: new Date(now()) });
      return true;
    },
    async addKey(id, jwk) {
      const [key] = keysOf([jwk], new Date(now()));
      try {
        const updated = await storage.devices.addKey(id, key!, key!.addedAt);
        return updated && viewDevice(updated);
      } catch (error) {
        if (error instanceof ConflictError) throw new AdminError('this key is already registered to a device', [{ path: 'jwk', message: 'key already registered', code: 'conflict' }]);
        throw error;
      }
    },
    async removeKey(id, jkt) {
      const updated = await storage.devices.removeKey(id, jkt, new Date(now()));
      return updated && viewDevice(updated);
    },
    history(id, limit = 50) {
      return storage.devices.history(id, Math.min(Math.max(1, Math.floor(limit)), 1000));
    },
    async report(deviceId, report) {
      const result = await storage.devices.recordPosture(deviceId, report, new Date(now()));
      if (result.status === 'not_found') return { status: 'not_found', changed: false };
      if (result.status !== 'applied') {
        // A posture stored without its verdict (the process stopped between the two writes) is evaluated
        // when the sender retries, which it does because it never got our answer.
        const d = result.record;
        const unevaluated = d.posture !== null && (d.compliance === null || d.compliance.evaluatedAt.getTime() < d.posture.receivedAt.getTime());
        const evaluated = unevaluated ? await reevaluate(deviceId, d) : undefined;
        return { status: result.status, device: evaluated?.device ?? d, changed: evaluated?.changed ?? false };
      }
      const evaluated = await reevaluate(deviceId, result.record);
      return { status: 'applied', device: evaluated?.device ?? result.record, changed: evaluated?.changed ?? false };
    },
    reevaluate,
    sweep,
    startSweep(intervalMs, onError) {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        (async () => {
          await sweep();
          await storage.devices.pruneHistory(new Date(now() - options.historyRetention * 1000));
        })().catch(onError).finally(() => {
          running = false;
        });
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
