import { z } from 'zod';
import { duration } from '../config/duration.js';
import { isGroupName } from '../accounts/users.js';
import { isResourceIndicator } from '../grants/resource.js';

/** The two scopes of the admin API: GETs need the first, every change the second (neither implies the other). */
export const ADMIN_SCOPES = { read: 'admin:read', write: 'admin:write' } as const;

/** The admin API over HTTP (`/admin/v1/…`), the interface the console and automation use. */
export const adminSchema = z
  .object({
    audience: z
      .string()
      .refine(isResourceIndicator, { message: 'must be an absolute URI without a fragment (RFC 8707 §2)' })
      .optional()
      .describe(
        'Resource indicator (RFC 8707) admin API tokens must be issued for; default `<issuer>/admin`. ' +
          'Registered at start (opaque tokens, scopes admin:read and admin:write) when missing',
      ),
    userGroup: z
      .string()
      .refine(isGroupName, { message: 'must be 1–64 characters A-Z a-z 0-9 . _ : / -' })
      .default('tessera-admins')
      .describe(
        'A token issued to a user (not a client acting for itself) reaches the admin API only if that user is active and in this group: ' +
          'admin scopes granted by consent alone must not make every user an administrator',
      ),
    tokenTtl: duration({ min: 60, max: 3600 })
      .default(600)
      .describe('Access-token lifetime of the admin resource when Tessera registers it; an existing resource keeps its own'),
    http: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            'Serve the admin API under /admin/v1. Safe by default: every request needs an admin-audience token, ' +
              'which only a client an operator registered for the admin resource can get',
          ),
      })
      .prefault({}),
  })
  .prefault({});

export type AdminConfig = z.output<typeof adminSchema>;

/** The audience admin tokens must carry: the configured one or `<issuer>/admin`. */
export function adminAudience(config: Pick<AdminConfig, 'audience'>, issuer: string): string {
  return config.audience ?? `${issuer.replace(/\/+$/, '')}/admin`;
}
