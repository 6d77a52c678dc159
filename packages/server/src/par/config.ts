import { z } from 'zod';
import { duration } from '../config/duration.js';

/** Pushed authorization requests (RFC 9126), mounted in the server config as `par`. */
export const parSchema = z
  .object({
    requestUriTtl: duration({ min: 5, max: 599 })
      .default(60)
      .describe('Lifetime of a pushed request_uri, the expires_in of RFC 9126 §2.2; short, and under 600 s as FAPI 2.0 requires'),
    require: z
      .boolean()
      .default(false)
      .describe('Refuse every authorization request that was not pushed (RFC 9126 §5 require_pushed_authorization_requests)'),
  })
  .prefault({});

export type ParConfig = z.output<typeof parSchema>;
