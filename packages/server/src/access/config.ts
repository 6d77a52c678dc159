import { z } from 'zod';
import { duration } from '../config/duration.js';

/**
 * The access policy (issue 5 §4). Cedar text comes inline (the CLI reads it from a file) or from a
 * shipped preset; it is validated against the Tessera schema at startup, and a policy that does not
 * load stops the start with Cedar's message.
 */
export const policySchema = z
  .object({
    preset: z
      .enum(['default', 'device-trust'])
      .default('default')
      .describe('Shipped policy set when `text` is not given: `default` permits every authenticated request; `device-trust` adds "jailbroken devices get nothing" and "payroll-api only from compliant, bound devices"'),
    text: z.string().min(1).optional().describe('Cedar policy text (replaces the preset); every policy needs @id, forbids a @reason'),
    decisionCacheSize: z.number().int().min(0).max(1_000_000).default(4096).describe('How many distinct access decisions are remembered (0 = off)'),
    decisionLogAllowWindow: duration({ max: 3600 })
      .default(60)
      .describe('Identical allow decisions within this window are logged once (every deny always is); 0 logs every allow'),
    decisionLogRetention: duration({ min: 3600 }).default(30 * 86_400).describe('How long decision-log entries are kept'),
  })
  .prefault({});

export type PolicyConfig = z.output<typeof policySchema>;
