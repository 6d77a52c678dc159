import type { CutoffStore, DeviceStore } from '@tessera/store';
import type { Logger } from 'pino';

const PAGE = 500;

/**
 * After a restart, finish what a crash may have interrupted: the registry stores a device's
 * non-compliant verdict before continuous access evaluation reacts to the event, so a process that
 * died in between leaves tokens alive that should be revoked. Every device whose stored verdict is
 * not compliant, evaluated recently enough that tokens from before it may still be valid
 * (`evaluatedAt` within the longest access-token lifetime), and that has no cut-off at or after that
 * evaluation is handed to `deviceOut` (revoke, cut off, tell the receivers). Returns how many.
 * A verdict stays non-compliant when only its reasons change (a new `evaluatedAt`, no event), so such a
 * device is cut off once more at the next start: that only revokes more, never less.
 */
export async function reconcileDevices(deps: {
  devices: Pick<DeviceStore, 'list'>;
  cutoffs: Pick<CutoffStore, 'get'>;
  maxAccessTokenTtl: number;
  now: () => number;
  deviceOut: (deviceId: string, userId: string | null, at: Date, reasons: readonly string[]) => Promise<void>;
  log: Pick<Logger, 'info'>;
}): Promise<number> {
  const { devices, cutoffs, now, deviceOut, log } = deps;
  const horizon = now() - deps.maxAccessTokenTtl * 1000;
  let after: string | undefined;
  let count = 0;
  for (;;) {
    const page = await devices.list({ limit: PAGE, ...(after === undefined ? {} : { after }) });
    for (const device of page.devices) {
      const verdict = device.compliance;
      if (verdict === null || verdict.compliant || verdict.evaluatedAt.getTime() <= horizon) continue;
      const cutoff = await cutoffs.get('device', device.id);
      if (cutoff !== undefined && cutoff.at.getTime() >= verdict.evaluatedAt.getTime()) continue;
      log.info({ deviceId: device.id, reason: 'device_not_compliant', evaluatedAt: verdict.evaluatedAt }, 'continuous access evaluation catching up after restart');
      await deviceOut(device.id, device.userId, verdict.evaluatedAt, verdict.reasons);
      count++;
    }
    if (page.next === null) return count;
    after = page.next;
  }
}
