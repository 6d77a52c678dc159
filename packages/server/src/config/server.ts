import { z } from 'zod';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The issuer identifier (RFC 8414 §2): an `https` URL without query or fragment. Plain `http` is
 * accepted only for loopback hosts (local development, tests), never for a reachable server.
 */
export const issuerSchema = z
  .string()
  .describe('Issuer identifier (RFC 8414 §2): https URL without query/fragment; http only for localhost')
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `issuer "${value}" is not an absolute URL` });
      return;
    }
    if (url.search || url.hash || value.includes('?') || value.includes('#')) {
      ctx.addIssue({ code: 'custom', message: 'issuer must not contain a query or fragment (RFC 8414 §2)' });
    }
    if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'issuer must not contain credentials' });
    if (url.protocol === 'http:' && !LOCAL_HOSTS.has(url.hostname)) {
      ctx.addIssue({ code: 'custom', message: 'issuer must use https (http is allowed only for localhost)' });
    } else if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: 'issuer must be an https URL' });
    }
  })
  // One canonical form: no trailing slash, so `${issuer}/token` never doubles it.
  .transform((value) => value.replace(/\/+$/, ''));

/** HTTP listener and request handling. */
export const serverSchema = z.object({
  host: z.string().min(1).default('127.0.0.1').describe('Interface to listen on'),
  port: z.number().int().min(0).max(65_535).default(3000).describe('TCP port (0 = any free port)'),
  bodyLimit: z
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024)
    .default(64 * 1024)
    .describe('Largest accepted request body in bytes; larger bodies get 413 invalid_request'),
  trustProxy: z
    .union([z.boolean(), z.string(), z.array(z.string())])
    .default(false)
    .describe('Fastify trustProxy: true, or the proxy addresses/CIDRs whose X-Forwarded-* headers are trusted (false = none)'),
  batchWrites: z
    .boolean()
    .default(true)
    .describe('Send the responses finished in one event-loop turn together, at most 1 ms apart: under load each write no longer wakes the client or proxy on its own (false: write each at once)'),
  logLevel: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('Log level; completed requests are logged at debug so info stays cheap on the hot path'),
});

export type ServerConfig = z.output<typeof serverSchema>;
