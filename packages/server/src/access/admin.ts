import type { DecisionLogQuery, DecisionLogRecord, DecisionLogStore } from '@tessera/store';
import { AdminError } from '../admin/errors.js';

/** Reading the decision log (issue 5 §7): every allow and deny with its policies, reasons and time. */
export interface DecisionAdmin {
  /**
   * Entries newest first, filtered by user, device and/or client and a start time; `limit` 1..1000
   * (default 100). An {@link AdminError} for a bad limit or date.
   */
  list(query?: Partial<DecisionLogQuery>): Promise<DecisionLogRecord[]>;
}

export function createDecisionAdmin(storage: { decisionLog: Pick<DecisionLogStore, 'list'> }): DecisionAdmin {
  return {
    list(query = {}) {
      const limit = query.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return Promise.reject(new AdminError('limit must be an integer from 1 to 1000'));
      if (query.since !== undefined && !(query.since instanceof Date && !Number.isNaN(query.since.getTime()))) {
        return Promise.reject(new AdminError('since must be a valid date'));
      }
      return storage.decisionLog.list({ ...query, limit });
    },
  };
}
