import type { DeviceCompliance, DeviceRecord } from './contracts/index.js';

const ms = (d: Date): number => d.getTime();

/** Same verdict: what {@link DeviceStore.setCompliance} compares. */
export function sameCompliance(a: DeviceCompliance | null, b: DeviceCompliance | null): boolean {
  if (a === null || b === null) return a === b;
  return a.compliant === b.compliant && ms(a.evaluatedAt) === ms(b.evaluatedAt)
    && a.reasons.length === b.reasons.length && a.reasons.every((r, i) => r === b.reasons[i]);
}

/** Encodes a device-list cursor: the last device's (createdAt, id). */
export function deviceCursor(d: Pick<DeviceRecord, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([ms(d.createdAt), d.id])).toString('base64url');
}

/** Decodes a cursor from {@link deviceCursor}; anything else reads as "from the start". */
export function parseDeviceCursor(cursor: string | undefined): { createdAt: number; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { createdAt: value[0] as number, id: value[1] };
    }
  } catch {
    // fall through: an unreadable cursor starts from the beginning
  }
  return undefined;
}
