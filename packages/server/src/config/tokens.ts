import { z } from 'zod';
import { duration } from './duration.js';

/**
 * Lifetimes and algorithms of what the user-facing grants issue: refresh tokens (rotated, RFC 9700
 * §4.14.2), device codes (RFC 8628) and ID tokens (OpenID Connect Core §2).
 */
export const tokensSchema = z
  .object({
    refreshIdle: duration({ min: 60 })
      .default(14 * 86_400)
      .describe('A refresh token unused this long expires; each rotation extends it, up to refreshAbsolute'),
    refreshAbsolute: duration({ min: 60 })
      .default(90 * 86_400)
      .describe('No refresh token of a grant lives beyond this, counted from the code or device exchange'),
    refreshGrace: duration({ min: 0, max: 60 })
      .default(10)
      .describe(
        'After a rotation, the old refresh token returns the same successor for this long (retries, two tabs); later use is reuse and revokes the family',
      ),
    deviceCodeTtl: duration({ min: 60, max: 3600 }).default(600).describe('RFC 8628 device_code and user_code lifetime'),
    deviceInterval: duration({ min: 1, max: 60 }).default(5).describe('RFC 8628 §3.2 minimum polling interval, seconds'),
    idTokenTtl: duration({ min: 60, max: 86_400 }).default(3600).describe('ID token lifetime (OpenID Connect Core §2 exp)'),
    idTokenAlgs: z
      .array(z.enum(['RS256', 'ES256', 'EdDSA']))
      .min(1)
      .default(['RS256', 'ES256', 'EdDSA'])
      .describe('ID token algorithms kept signing keys for; RS256 is always added (OpenID Connect Core §15.1). A client picks one with id_token_signed_response_alg'),
  })
  .prefault({});

export type TokensConfig = z.output<typeof tokensSchema>;
