import { z } from 'zod';

/** Where state lives. SQLite is the embedded default; PostgreSQL scales out; memory is for tests. */
export const storeSchema = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('sqlite'),
      filename: z.string().min(1).describe('SQLite database file (":memory:" for a throwaway database)'),
    }),
    z.object({
      kind: z.literal('postgres'),
      url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').describe('PostgreSQL connection URL'),
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
        .optional()
        .describe('PostgreSQL schema holding the tables (one per installation); default public'),
    }),
    z.object({ kind: z.literal('memory').describe('In-process, lost on exit: tests and demos only') }),
  ])
  .default({ kind: 'memory' })
  .describe('Storage backend');

export type StoreConfig = z.output<typeof storeSchema>;
