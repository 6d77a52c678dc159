import { z } from 'zod';
import { duration } from './duration.js';

/** Background work and caches. */
export const operationsSchema = z
  .object({
    pruneInterval: duration({ min: 1 }).default(300).describe('How often expired rows are pruned, seconds'),
    clientCacheTtl: duration({ min: 0, max: 300 })
      .default(5)
      .describe('How long client and resource lookups are cached; the CLI may change them while the server runs'),
  })
  .prefault({});

export type OperationsConfig = z.output<typeof operationsSchema>;
