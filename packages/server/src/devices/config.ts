import { z } from 'zod';
import { duration } from '../config/duration.js';

const PLATFORM_NAMES = ['ios', 'ipados', 'android', 'macos', 'windows', 'linux'] as const;
/** Source names appear in URLs (`/signals/uem/:source`) and logs. */
const SOURCE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const sourceName = z.string().regex(SOURCE_NAME, 'source names are lowercase letters, digits, _ and -, at most 63');

/** Keys fetched over plain HTTP could be swapped by anyone on the path; loopback is for tests and demos. */
function httpsOrLoopback(value: string): boolean {
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
}

/** One UEM connector that posts signed posture reports to `/signals/uem/<name>`. */
const uemSourceSchema = z.object({
  secrets: z
    .array(z.string().min(32, 'a webhook secret needs at least 32 characters (256 bits of entropy when random)'))
    .min(1)
    .max(4)
    .describe('HMAC-SHA256 secrets; a signature by any one is accepted, so a new secret can be added before the old one is removed'),
});

/** One Shared Signals transmitter whose CAEP events Tessera receives at `/ssf/receive/<name>` (RFC 8935 push). */
const ssfReceiverSchema = z.object({
  issuer: z.string().url().describe('The transmitter\'s issuer: the exact `iss` of its SETs'),
  jwksUri: z.string().url().refine(httpsOrLoopback, 'the JWKS must be fetched over https (http only for localhost / 127.0.0.1 / [::1])')
    .describe('The transmitter\'s JWKS (https); fetched on first use, cached, refetched (rate-limited) for an unknown `kid`'),
  audience: z.string().min(1).describe('Our receiver identifier: every SET\'s `aud` must contain it'),
  algorithms: z.array(z.enum(['ES256', 'EdDSA', 'RS256'])).min(1).default(['ES256', 'EdDSA', 'RS256'])
    .describe('Signature algorithms accepted (RFC 8725 §3.1 allow-list); `none` never is'),
  authorization: z.string().min(16).optional()
    .describe('When set, the push request must carry exactly this `Authorization` header value (SSF stream `authorization_header`)'),
  maxAge: duration({ min: 10, max: 86_400 }).default(300).describe('SETs whose `iat` is older than this are refused'),
  jwksCacheTtl: duration({ min: 0, max: 86_400 }).default(600).describe('How long a fetched JWKS is used before it is fetched again'),
  jwksRefetchCooldown: duration({ min: 0, max: 3600 }).default(30)
    .describe('Least time between two fetches caused by an unknown `kid` (so forged kids cannot hammer the transmitter)'),
});

/**
 * Device trust (issue 5): compliance profiles per platform, report freshness and its sweep, and the
 * signal sources (UEM webhooks, SSF transmitters).
 */
export const devicesSchema = z
  .object({
    minOsVersion: z
      .partialRecord(z.enum(PLATFORM_NAMES), z.string().regex(/^\d+(\.\d+)*$/, 'a dotted version such as 17 or 10.0.19045'))
      .default({ ios: '17', ipados: '17', android: '13', macos: '14', windows: '10.0.19045' })
      .describe('Minimum OS version per platform; a platform left out has no floor. Defaults: see @tessera/policy DEFAULT_COMPLIANCE_CONFIG'),
    maxReportAge: duration({ min: 60 }).default(86_400)
      .describe('A device whose last posture report is older than this is not compliant (reason report_stale)'),
    clockSkew: duration({ min: 0, max: 3600 }).default(300).describe('Tolerated difference for report times in the future'),
    requireManaged: z.boolean().default(true).describe('Only devices the UEM reports as managed can be compliant'),
    unknownSignals: z.enum(['non_compliant', 'compliant']).default('non_compliant')
      .describe('How a signal the UEM did not report is judged (Intune marks such devices "not evaluated", i.e. not compliant)'),
    sweepInterval: duration({ min: 1, max: 3600 }).default(60)
      .describe('How often devices whose reports went stale are turned non-compliant (and announced)'),
    historyRetention: duration({ min: 3600 }).default(90 * 86_400).describe('How long posture history is kept (the current posture always is)'),
    uem: z
      .object({
        sources: z.record(sourceName, uemSourceSchema).default({}).describe('UEM connectors by name: the `:source` of `POST /signals/uem/:source`'),
        replayWindow: duration({ min: 30, max: 3600 }).default(300)
          .describe('Tessera-Timestamp may differ from our clock by at most this much, either way'),
      })
      .prefault({}),
    ssfReceivers: z.record(sourceName, ssfReceiverSchema).default({})
      .describe('SSF transmitters by name: the `:source` of `POST /ssf/receive/:source` (CAEP device-compliance-change); each speaks only for devices enrolled with that name as `uem`'),
  })
  .prefault({});

export type DevicesConfig = z.output<typeof devicesSchema>;
export type SsfReceiverConfig = DevicesConfig['ssfReceivers'][string];
