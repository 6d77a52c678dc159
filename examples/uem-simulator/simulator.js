// A UEM (Hexnode, Intune, Jamf, …) played by a program: it signs posture reports the way a Tessera UEM
// connector must (HMAC-SHA256 over "<timestamp>.<raw body>", Tessera-Timestamp / Tessera-Signature) and
// posts them to POST /signals/uem/<source>. Used by demos, tests and the device-latency benchmark.
import { createHmac, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/** A compliant posture: what a healthy managed laptop reports. */
export const COMPLIANT = Object.freeze({
  diskEncrypted: true,
  passcodeCompliant: true,
  jailbroken: false,
  managed: true,
  osVersion: '14.5',
});

/**
 * `Tessera-Signature` for a raw body.
 * @param {string} secret @param {string} timestamp unix seconds @param {string} body the exact bytes sent
 */
export function sign(secret, timestamp, body) {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/**
 * @typedef {{ diskEncrypted: boolean, passcodeCompliant: boolean, jailbroken: boolean, managed: boolean, osVersion: string, platform?: string }} Posture
 * @typedef {{ status: number, body: any, ms: number, sentAt: number, eventId: string }} ReportResult
 *   `ms`: from just before the request was sent to the parsed answer; `sentAt`: `performance.timeOrigin`-based ms.
 */

/**
 * A simulator bound to one Tessera and one webhook source.
 *
 * @param {{ url: string, source: string, secret: string, now?: () => number, fetch?: typeof fetch }} options
 *   `url`: Tessera's base URL; `now`: clock in epoch ms for `reportedAt` and the signature timestamp.
 */
export function createSimulator({ url, source, secret, now = Date.now, fetch: doFetch = fetch }) {
  if (!url || !source || !secret) throw new TypeError('createSimulator needs url, source and secret');
  const endpoint = new URL(`/signals/uem/${encodeURIComponent(source)}`, url).toString();
  /** Last report time per device: Tessera applies only strictly newer reports, so two in one ms must differ. */
  const last = new Map();
  const reportTime = (deviceId) => {
    const at = Math.max(now(), (last.get(deviceId) ?? 0) + 1);
    last.set(deviceId, at);
    return new Date(at).toISOString();
  };
  return {
    endpoint,
    /**
     * Report one device's posture now (a fresh event id unless given; `reportedAt` strictly increasing per
     * device, even for several reports within one millisecond). Resolves with the HTTP status,
     * the JSON answer and the round-trip time; never rejects on an HTTP error status.
     * @param {string} deviceId @param {Partial<Posture>} posture
     * @param {{ eventId?: string, reportedAt?: number | string, timestamp?: number }} [options]
     * @returns {Promise<ReportResult>}
     */
    async report(deviceId, posture = {}, options = {}) {
      const eventId = options.eventId ?? `sim-${randomUUID()}`;
      const body = JSON.stringify({
        eventId,
        deviceId,
        reportedAt: options.reportedAt ?? reportTime(deviceId),
        ...COMPLIANT,
        ...posture,
      });
      const timestamp = String(options.timestamp ?? Math.floor(now() / 1000));
      const sentAt = performance.timeOrigin + performance.now();
      const started = performance.now();
      const res = await doFetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'tessera-timestamp': timestamp, 'tessera-signature': sign(secret, timestamp, body) },
        body,
      });
      const text = await res.text();
      const ms = performance.now() - started;
      let parsed;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        parsed = text;
      }
      return { status: res.status, body: parsed, ms, sentAt, eventId };
    },
  };
}

/**
 * What can go wrong with a device, as the fleet plays it: each is a posture change away from compliant.
 * @type {Record<string, (p: Posture) => Posture>}
 */
export const FLIPS = {
  'disk-unencrypted': (p) => ({ ...p, diskEncrypted: false }),
  jailbreak: (p) => ({ ...p, jailbroken: true }),
  'os-downgrade': (p) => ({ ...p, osVersion: '12.0' }),
  'passcode-removed': (p) => ({ ...p, passcodeCompliant: false }),
};

/**
 * A fleet of devices whose postures change: every tick each device reports; with probability
 * `flipRate` a compliant device breaks (one of {@link FLIPS}) and a broken one is repaired.
 *
 * @param {{ simulator: ReturnType<typeof createSimulator>, deviceIds: string[], flipRate?: number, random?: () => number }} options
 */
export function createFleet({ simulator, deviceIds, flipRate = 0.1, random = Math.random }) {
  /** @type {Map<string, Posture>} */
  const postures = new Map(deviceIds.map((id) => [id, { ...COMPLIANT }]));
  const flipNames = Object.keys(FLIPS);
  return {
    postures,
    /** One round: every device reports (after a possible flip). Resolves with each result. */
    async tick() {
      const results = [];
      for (const [id, posture] of postures) {
        let next = posture;
        if (random() < flipRate) {
          const broken = JSON.stringify(posture) !== JSON.stringify(COMPLIANT);
          next = broken ? { ...COMPLIANT } : FLIPS[flipNames[Math.floor(random() * flipNames.length)]](posture);
          postures.set(id, next);
        }
        results.push({ deviceId: id, posture: next, result: await simulator.report(id, next) });
      }
      return results;
    },
  };
}
