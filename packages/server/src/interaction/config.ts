import { z } from 'zod';
import { duration } from '../config/duration.js';

/**
 * Settings of the user-facing pages (sign-in, consent, device verification), mounted in the server
 * config as `interaction`.
 */
export const interactionSchema = z
  .object({
    ttl: duration({ min: 60, max: 3600 })
      .default(600)
      .describe('How long a person has to finish signing in and consenting, from /authorize (or /device) to the code'),
    userCodeThrottle: z
      .object({
        freeFailures: z.number().int().min(1).max(100).default(5).describe('Wrong device user codes per IP before a delay'),
        lockoutAfter: z.number().int().min(2).max(1000).default(20).describe('Wrong device user codes per IP that start a temporary lockout'),
        lockoutSeconds: duration({ min: 60, max: 86_400 }).default(900).describe('User-code lockout length; it always expires'),
      })
      .prefault({})
      .refine((t) => t.lockoutAfter > t.freeFailures, { message: 'lockoutAfter must exceed freeFailures' }),
  })
  .prefault({});

export type InteractionConfig = z.output<typeof interactionSchema>;
