import { z } from 'zod';
import { duration } from '../config/duration.js';

/** The SSF transmitter (issue 5 §6). */
export const ssfSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Serve the Shared Signals transmitter (metadata, streams, push and poll delivery)'),
    audience: z
      .string()
      .url()
      .optional()
      .describe('Resource (RFC 8707) whose access tokens manage streams; default `<issuer>/ssf`, created at startup with scope `ssf`'),
    pollTimeout: duration({ min: 1, max: 300 }).default(25).describe('How long a long poll (RFC 8936, returnImmediately false) waits for an event'),
    pushTimeout: duration({ min: 1, max: 60 }).default(5).describe('How long one push delivery (RFC 8935) may take'),
    pushRetryMax: duration({ min: 1 }).default(300).describe('Longest wait between push retries (exponential backoff from 1 s)'),
    minVerificationInterval: duration({ min: 0, max: 3600 }).default(10).describe('Least time between two verification requests of one stream'),
  })
  .prefault({});

export type SsfConfig = z.output<typeof ssfSchema>;
