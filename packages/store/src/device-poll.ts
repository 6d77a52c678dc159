import type { DeviceCodeRecord, DevicePoll } from './contracts/index.js';

const ms = (d: Date): number => d.getTime();

/**
 * The state machine of one poll (RFC 8628 §3.4-3.5), shared by every adapter: what to answer and what
 * to write. Pure, so the SQL adapters can apply it as a compare-and-set.
 */
export function nextPoll(found: DeviceCodeRecord, now: Date): { result: DevicePoll; write?: DeviceCodeRecord } {
  if (ms(found.expiresAt) <= ms(now)) return { result: { status: 'expired', record: found } };
  switch (found.status) {
    case 'approved': {
      const write: DeviceCodeRecord = { ...found, status: 'consumed', lastPolledAt: now };
      return { result: { status: 'approved', record: write }, write };
    }
    case 'pending': {
      // "polling too quickly": less than `interval` seconds since the previous poll (RFC 8628 §3.5).
      const slowDown = found.lastPolledAt !== null && ms(now) - ms(found.lastPolledAt) < found.interval * 1000;
      const write: DeviceCodeRecord = { ...found, lastPolledAt: now, interval: found.interval + (slowDown ? 5 : 0) };
      return { result: { status: 'pending', slowDown, record: write }, write };
    }
    case 'denied':
    case 'consumed':
      return { result: { status: found.status, record: found } };
  }
}
