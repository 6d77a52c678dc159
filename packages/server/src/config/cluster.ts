import type { Fanout } from '@tessera/store';
import { z } from 'zod';

/**
 * Several nodes acting as one (issue: cross-node fan-out). Nodes stay stateless: they share the
 * database and tell each other about changes over a fan-out (see `@tessera/store` `Fanout`).
 */
export const clusterSchema = z
  .object({
    redisUrl: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional()
      .describe('Redis for the fan-out between nodes (pub/sub), whatever the store; default: a PostgreSQL store notifies over its own database (LISTEN/NOTIFY), SQLite and memory stay in-process'),
    channelPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,50}$/, 'letters, digits, _ . : - (at most 50)')
      .optional()
      .describe('Prefix of the fan-out channel, so installations sharing a Redis or a database do not hear each other; default `tessera:` (`tessera:<schema>:` with a PostgreSQL schema)'),
  })
  .prefault({});

export type ClusterConfig = z.output<typeof clusterSchema>;

/** This node's part in the cluster: the fan-out, and its own id (to skip the messages it sent itself). */
export interface ClusterLink {
  readonly fanout: Fanout;
  readonly nodeId: string;
}
