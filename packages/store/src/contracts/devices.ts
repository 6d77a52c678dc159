import type { Versioned } from './common.js';

/** The platforms a device can have (the same list as `@tessera/policy`'s `PLATFORMS`; the store does not import policy). */
export type DevicePlatform = 'ios' | 'ipados' | 'android' | 'macos' | 'windows' | 'linux';

/** A public key that proves possession of the device (a DPoP key, RFC 9449). */
export interface DeviceKey {
  /** RFC 7638 JWK SHA-256 thumbprint (base64url): what `cnf.jkt` carries. Unique across all devices. */
  jkt: string;
  /** The public JWK, private members already refused by the caller. */
  jwk: Record<string, unknown>;
  addedAt: Date;
}

/** The latest posture report applied to a device, as reported (the store never interprets `signals`). */
export interface DevicePosture {
  /** The reporter's event id; the unit of idempotency. */
  eventId: string;
  /** Which connector reported it (a UEM webhook source, or an SSF transmitter). */
  source: string;
  /** The reporter's observation time; orders reports (out-of-order ones never overwrite newer). */
  reportedAt: Date;
  /** When Tessera received it. */
  receivedAt: Date;
  /** The signals as plain JSON (disk encryption, passcode, jailbreak, OS version, managed, …). */
  signals: Record<string, unknown>;
}

/** The compliance verdict last stored for a device, as computed by the server. */
export interface DeviceCompliance {
  compliant: boolean;
  /** Stable reason codes (e.g. `disk_not_encrypted`); empty when compliant. */
  reasons: string[];
  evaluatedAt: Date;
}

/** A registered device. */
export interface DeviceRecord extends Versioned {
  id: string;
  /** The owner, or `null` for a shared / not yet assigned device. */
  userId: string | null;
  platform: DevicePlatform;
  osVersion: string;
  /** Name of the UEM source that manages it (the `:source` of its webhook). */
  uem: string;
  displayName: string;
  keys: DeviceKey[];
  posture: DevicePosture | null;
  compliance: DeviceCompliance | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A posture report offered to {@link DeviceStore.recordPosture}. */
export interface PostureReport {
  eventId: string;
  source: string;
  reportedAt: Date;
  signals: Record<string, unknown>;
  /** When given, the device's `osVersion` becomes this value together with the posture. */
  osVersion?: string | undefined;
}

/**
 * What {@link DeviceStore.recordPosture} did: `applied` (it is now the device's posture and in its
 * history), `stale` (not newer than the stored posture: nothing written), `duplicate` (this `eventId`
 * was already applied to this device: nothing written), `not_found` (no such device: nothing written).
 * `record` is the device after the call (absent for `not_found`).
 */
export type PostureResult =
  | { status: 'applied' | 'stale' | 'duplicate'; record: DeviceRecord }
  | { status: 'not_found' };

/** What {@link DeviceStore.setCompliance} did; `record` is the device after the call. */
export type ComplianceUpdate =
  | { status: 'set'; record: DeviceRecord }
  /** The stored compliance was not `expectedPrevious` (someone else changed it): re-read and retry. */
  | { status: 'conflict'; record: DeviceRecord }
  | { status: 'not_found' };

/** One entry of a device's posture history: an applied report. */
export interface PostureHistoryEntry extends DevicePosture {
  deviceId: string;
}

/** A page of devices, ordered by (createdAt, id); pass `next` as `after` for the following page. */
export interface DevicePage {
  devices: DeviceRecord[];
  next: string | null;
}

/** Devices, their keys and their posture history. */
export interface DeviceStore {
  /**
   * Insert the device with its keys, atomically. Rejects with `ConflictError` (and stores nothing) when
   * the id exists or a key's `jkt` already belongs to a device.
   */
  create(record: DeviceRecord): Promise<void>;
  get(id: string): Promise<DeviceRecord | undefined>;
  /** A user's devices, oldest first. */
  listByUser(userId: string): Promise<DeviceRecord[]>;
  /** Devices ordered by (createdAt, id), at most `limit`, after the cursor `after` (a `next` from before). */
  list(options: { limit: number; after?: string | undefined; uem?: string | undefined }): Promise<DevicePage>;
  /** Delete the device, its keys and its history in one transaction; `false` when there was none. */
  delete(id: string): Promise<boolean>;
  /**
   * Add a key, atomically with `updatedAt`. Resolves the device after the call, `undefined` when there is
   * no such device; rejects with `ConflictError` when the `jkt` is registered (to this or another device).
   */
  addKey(deviceId: string, key: DeviceKey, at: Date): Promise<DeviceRecord | undefined>;
  /** Remove a key; the device after the call, or `undefined` when the device or the key does not exist. */
  removeKey(deviceId: string, jkt: string, at: Date): Promise<DeviceRecord | undefined>;
  /** The device one key belongs to (indexed: called for every DPoP-bound token request). */
  findByKeyThumbprint(jkt: string): Promise<DeviceRecord | undefined>;
  /**
   * Apply a posture report, in ONE transaction: it is applied only when `report.reportedAt` is strictly
   * later than the stored posture's (a report arriving out of order never overwrites a newer one) and
   * its `eventId` was not applied to this device before; then it becomes `posture` (with
   * `receivedAt = updatedAt = at`) and is appended to the history. Concurrent calls for one device are
   * serialised, so of two reports the newer always ends up stored.
   */
  recordPosture(deviceId: string, report: PostureReport, at: Date): Promise<PostureResult>;
  /**
   * Compare-and-set of the compliance verdict: writes `next` only when the stored verdict equals
   * `expectedPrevious` (`compliant`, `reasons` and `evaluatedAt` all equal, or both `null`). Of several
   * callers that read the same verdict and race, exactly one gets `set`, so a transition is detected
   * (and announced) exactly once.
   */
  setCompliance(deviceId: string, expectedPrevious: DeviceCompliance | null, next: DeviceCompliance): Promise<ComplianceUpdate>;
  /**
   * Devices currently stored as compliant whose posture was reported before `before` (oldest report
   * first, at most `limit`): what the freshness sweep turns non-compliant.
   */
  listStaleCompliant(before: Date, limit: number): Promise<DeviceRecord[]>;
  /** A device's applied reports, newest (by `reportedAt`) first, at most `limit`. */
  history(deviceId: string, limit: number): Promise<PostureHistoryEntry[]>;
  /**
   * Delete history entries received before `before`, except each device's current posture (so a
   * re-sent current event is still a `duplicate`); returns how many.
   */
  pruneHistory(before: Date): Promise<number>;
}
