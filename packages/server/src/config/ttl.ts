import { z } from 'zod';
import { duration } from './duration.js';

/** Token lifetimes. A resource sets its own access-token lifetime within these bounds. */
export const ttlSchema = z
  .object({
    accessTokenDefault: duration({ min: 1 }).default(3600).describe('Access-token lifetime of a resource created without one'),
    accessTokenMax: duration({ min: 1, max: 7 * 86_400 }).default(86_400).describe('Upper bound for any resource access-token lifetime'),
  })
  .prefault({});

export type TtlConfig = z.output<typeof ttlSchema>;
