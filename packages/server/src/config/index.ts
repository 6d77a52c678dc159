import { z } from 'zod';
import { accountsSchema } from '../accounts/config.js';
import { interactionSchema } from '../interaction/config.js';
import { dpopSchema } from '../dpop/config.js';
import { policySchema } from '../access/config.js';
import { ssfSchema } from '../ssf/config.js';
import { devicesSchema } from '../devices/config.js';
import { adminSchema } from '../admin-http/config.js';
import { parSchema } from '../par/config.js';
import { clusterSchema } from './cluster.js';
import { keysSchema } from './keys.js';
import { operationsSchema } from './operations.js';
import { issuerSchema, serverSchema } from './server.js';
import { storeSchema } from './store.js';
import { ttlSchema } from './ttl.js';
import { tokensSchema } from './tokens.js';

export { parseDuration } from './duration.js';
export type { KeysConfig } from './keys.js';
export type { OperationsConfig } from './operations.js';
export type { ServerConfig } from './server.js';
export type { StoreConfig } from './store.js';
export type { TtlConfig } from './ttl.js';
export type { AccountsConfig } from '../accounts/config.js';
export type { InteractionConfig } from '../interaction/config.js';
export type { TokensConfig } from './tokens.js';
export type { DpopConfig } from '../dpop/config.js';
export type { PolicyConfig } from '../access/config.js';
export type { SsfConfig } from '../ssf/config.js';
export type { DevicesConfig } from '../devices/config.js';
export type { AdminConfig } from '../admin-http/config.js';
export type { ParConfig } from '../par/config.js';
export type { ClusterConfig } from './cluster.js';

/**
 * The whole configuration: one schema holding types, defaults, validation and documentation
 * (`.describe()`), split per area. Each endpoint or grant receives only the slice it reads.
 */
export const configSchema = z
  .object({
    issuer: issuerSchema,
    dev: z.boolean().default(false).describe('Development mode: relaxed defaults, loud warnings'),
    server: serverSchema.prefault({}),
    store: storeSchema,
    keys: keysSchema,
    ttl: ttlSchema,
    tokens: tokensSchema,
    operations: operationsSchema,
    accounts: accountsSchema,
    interaction: interactionSchema,
    dpop: dpopSchema,
    policy: policySchema,
    ssf: ssfSchema,
    devices: devicesSchema,
    admin: adminSchema,
    par: parSchema,
    cluster: clusterSchema,
  })
  .superRefine((config, ctx) => {
    // A resource server may cache the JWKS for max-age; a key must be visible that long before it
    // signs, or fresh tokens fail against a cached JWKS (OIDC Core §10.1.1).
    if (config.keys.publishAhead < config.keys.jwksCacheMaxAge) {
      ctx.addIssue({
        code: 'custom',
        path: ['keys', 'publishAhead'],
        message: `must be at least keys.jwksCacheMaxAge (${config.keys.jwksCacheMaxAge}s)`,
      });
    }
    if (config.keys.rotationPeriod < config.keys.publishAhead) {
      ctx.addIssue({ code: 'custom', path: ['keys', 'rotationPeriod'], message: 'must be at least keys.publishAhead' });
    }
    // A retired key must outlive every token it signed, or valid tokens stop verifying.
    if (config.keys.retainAfterRetire < config.ttl.accessTokenMax) {
      ctx.addIssue({
        code: 'custom',
        path: ['keys', 'retainAfterRetire'],
        message: `must be at least ttl.accessTokenMax (${config.ttl.accessTokenMax}s)`,
      });
    }
    if (config.ttl.accessTokenDefault > config.ttl.accessTokenMax) {
      ctx.addIssue({ code: 'custom', path: ['ttl', 'accessTokenDefault'], message: 'must not exceed ttl.accessTokenMax' });
    }
    if (!config.dev && config.store.kind === 'memory') {
      ctx.addIssue({
        code: 'custom',
        path: ['store'],
        message: 'the memory store loses every token on restart; use sqlite or postgres, or set dev: true',
      });
    }
  });

/** What callers write: durations as seconds or strings, most fields optional. */
export type TesseraConfigInput = z.input<typeof configSchema>;
/** The validated, defaulted configuration. */
export type TesseraConfig = z.output<typeof configSchema>;

/** Thrown by {@link resolveConfig}; `message` lists every problem with its path. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`invalid Tessera configuration:\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
  }
}

/**
 * Validate and default a configuration. Fails fast with every problem listed, so a bad deployment
 * stops at start instead of at its first request.
 */
export function resolveConfig(input: unknown): TesseraConfig {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
}
