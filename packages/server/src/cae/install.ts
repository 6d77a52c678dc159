import type { FastifyInstance } from 'fastify';
import type { PolicyEngine } from '@tessera/policy';
import type { Storage } from '@tessera/store';
import type { SigningAlg } from '@tessera/token';
import type { Logger } from 'pino';
import { createDecisionAdmin, type DecisionAdmin } from '../access/admin.js';
import { createPolicyAccessCheck } from '../access/check.js';
import type { PolicyConfig } from '../access/config.js';
import { createPolicyEngine } from '../access/engine.js';
import type { Admin } from '../admin/index.js';
import type { EventBus } from '../events/bus.js';
import type { CheckAccess } from '../grants/define.js';
import { SSF_SCOPE } from '../ssf/auth.js';
import type { SsfConfig } from '../ssf/config.js';
import type { ClusterLink } from '../config/cluster.js';
import { createSsf, ssfAudience, type Ssf } from '../ssf/index.js';
import type { FindActiveToken } from '../tokens/inspect.js';
import type { KeySource } from '../tokens/key-source.js';
import { startCae } from './index.js';

/** Device trust as assembled by `createTessera`: the access check, the transmitter, CAE. */
export interface DeviceTrust {
  readonly checkAccess: CheckAccess;
  /** The policy engine in force; `reload(text)` swaps policies atomically (a broken text keeps the old set). */
  readonly policy: PolicyEngine;
  /** The SSF transmitter, `null` when `ssf.enabled` is false. */
  readonly ssf: Ssf | null;
  /** The decision log, newest first (issue 5 §7). */
  readonly decisions: DecisionAdmin;
  stop(): void;
}

/**
 * Wire issue 5's server side: load the Cedar policy (a policy that does not load stops the start),
 * build the access check every grant and /authorize ask, serve the SSF transmitter (creating its
 * management resource `<issuer>/ssf` with scope `ssf` if missing), subscribe continuous access
 * evaluation to the event bus, and prune the decision log after its retention.
 */
export async function installDeviceTrust(deps: {
  app: FastifyInstance;
  issuer: string;
  jwksPath: string;
  policy: PolicyConfig;
  ssf: SsfConfig;
  maxAccessTokenTtl: number;
  storage: Storage;
  admin: Pick<Admin, 'createResource'>;
  keys: Pick<KeySource, 'signer'>;
  alg: SigningAlg;
  find: FindActiveToken;
  events: EventBus;
  now: () => number;
  log: Logger;
  /** The other nodes on the same database (SSF wake-ups cross nodes through it). */
  cluster?: ClusterLink;
}): Promise<DeviceTrust> {
  const { app, issuer, storage, now, log } = deps;
  const engine = createPolicyEngine(deps.policy);
  for (const warning of engine.current.warnings) log.warn({ warning }, 'access policy warning');
  const checkAccess = createPolicyAccessCheck({
    engine,
    issuer,
    devices: storage.devices,
    users: storage.users,
    decisionLog: storage.decisionLog,
    allowLogWindowMs: deps.policy.decisionLogAllowWindow * 1000,
    now,
    log: log.child({ component: 'access' }),
  });

  let ssf: Ssf | null = null;
  if (deps.ssf.enabled) {
    await ensureSsfResource(storage, deps.admin, ssfAudience(deps.ssf, issuer), Math.min(600, deps.maxAccessTokenTtl));
    ssf = createSsf({ app, config: deps.ssf, issuer, jwksPath: deps.jwksPath, storage, keys: deps.keys, alg: deps.alg, find: deps.find, now, log, cluster: deps.cluster });
  }
  const stopCae = startCae({
    events: deps.events,
    devices: storage.devices,
    tokens: storage.tokens,
    sessions: storage.sessions,
    cutoffs: storage.cutoffs,
    maxAccessTokenTtl: deps.maxAccessTokenTtl,
    transmitter: ssf?.transmitter ?? null,
    now,
    log: log.child({ component: 'cae' }),
  });

  const retentionMs = deps.policy.decisionLogRetention * 1000;
  const prune = setInterval(() => {
    storage.decisionLog.pruneExpired(new Date(now() - retentionMs)).catch((error: unknown) => log.error({ err: error }, 'decision log pruning failed'));
  }, 3600_000);
  prune.unref?.();

  return {
    checkAccess,
    policy: engine,
    ssf,
    decisions: createDecisionAdmin(storage),
    stop() {
      clearInterval(prune);
      stopCae();
      ssf?.stop();
    },
  };
}

async function ensureSsfResource(storage: Pick<Storage, 'resources'>, admin: Pick<Admin, 'createResource'>, id: string, ttl: number): Promise<void> {
  if ((await storage.resources.get(id)) !== undefined) return;
  try {
    await admin.createResource({ id, name: 'SSF stream management', tokenFormat: 'jwt', ttl, scopes: [SSF_SCOPE] });
  } catch (error) {
    // Another node created it meanwhile.
    if ((await storage.resources.get(id)) === undefined) throw error;
  }
}
