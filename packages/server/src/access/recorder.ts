import type { DecisionLogEntry, DecisionLogStore } from '@tessera/store';
import type { Logger } from 'pino';

const MAX_KEYS = 10_000;

/**
 * Writes decisions to the decision log without putting a storage write on every token request:
 * - every deny is appended;
 * - an allow is appended unless an identical allow (same action, grant type, client, user, device,
 *   audience, scope, policies, reasons) was appended within `allowWindowMs` — a service fetching a
 *   token a thousand times a minute leaves one entry a minute, not a thousand. With 0 every allow is
 *   appended.
 * Appends are started, not awaited; a failure is logged as an error. Measured on SQLite (sequential
 * client_credentials requests in-process, 3 alternating rounds on a loaded 2-core machine): appending
 * every allow left 0.32–0.78 of the throughput without a log; with the window, no difference beyond
 * the noise.
 */
export function createDecisionRecorder(deps: {
  decisionLog: Pick<DecisionLogStore, 'append'>;
  allowWindowMs: number;
  log: Pick<Logger, 'error'>;
}): (entry: DecisionLogEntry) => void {
  const { decisionLog, allowWindowMs, log } = deps;
  const recent = new Map<string, number>();

  function append(entry: DecisionLogEntry): void {
    decisionLog.append(entry).catch((error: unknown) => log.error({ err: error, decision: entry.decision }, 'decision log append failed'));
  }

  return function record(entry) {
    if (entry.decision === 'deny' || allowWindowMs === 0) return append(entry);
    const key = JSON.stringify([entry.action, entry.grantType, entry.clientId, entry.userId, entry.deviceId, entry.audience, entry.scope, entry.policies, entry.reasons]);
    const at = entry.at.getTime();
    const last = recent.get(key);
    if (last !== undefined && at - last < allowWindowMs && at >= last) return;
    recent.delete(key);
    recent.set(key, at);
    if (recent.size > MAX_KEYS) recent.delete(recent.keys().next().value!);
    append(entry);
  };
}
