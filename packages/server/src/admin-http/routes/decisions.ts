import { z } from 'zod';
import type { DecisionAdmin } from '../../access/admin.js';
import { parse } from '../input.js';
import { json, type AdminRoute } from './define.js';

const id = z.string().min(1).max(256).optional();
const query = z.strictObject({
  userId: id,
  deviceId: id,
  clientId: id,
  /** An RFC 3339 instant, e.g. 2026-01-01T00:00:00Z. */
  since: z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time, e.g. 2026-01-01T00:00:00Z' }).transform((s) => new Date(s)).optional(),
  limit: z.string().regex(/^[0-9]{1,4}$/, 'must be an integer from 1 to 1000').transform(Number).optional(),
});

/** The decision log (issue 5 §7): every allow and deny, newest first, filtered by user, device, client and start time. */
export function decisionRoutes(decisions: DecisionAdmin): AdminRoute[] {
  return [
    {
      method: 'GET', url: '/decisions',
      handler: async (request, reply) => {
        const q = parse(query, request.query, 'query');
        const filters = Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined));
        return json(reply, 200, { decisions: await decisions.list(filters) });
      },
    },
  ];
}
