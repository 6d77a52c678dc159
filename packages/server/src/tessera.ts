import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import { defaultFanoutConfig, openFanout, openStorage, redactUrl, type ClientRecord, type Fanout, type ResourceRecord, type Storage } from '@tessera/store';
import { parseMasterKey } from '@tessera/token';
import { passwordParamsFrom } from './accounts/index.js';
import { createAdmin, type Admin } from './admin/index.js';
import { installAdminHttp } from './admin-http/index.js';
import { createInteractionDeps, interactionMetadata, registerInteraction } from './authorize/index.js';
import { linkCacheInvalidation } from './cache/cluster.js';
import { TtlCache } from './cache/ttl-cache.js';
import { createClientAuthentications } from './client-auth/index.js';
import { resolveConfig, type TesseraConfig, type TesseraConfigInput } from './config/index.js';
import { buildMetadata, PATHS, registerDiscovery } from './endpoints/discovery.js';
import { registerHealth } from './endpoints/health.js';
import { introspectionEndpoint } from './endpoints/introspect.js';
import { registerJwks } from './endpoints/jwks.js';
import { revocationEndpoint } from './endpoints/revoke.js';
import { tokenEndpoint } from './endpoints/token/index.js';
import { installDpop } from './dpop/index.js';
import { builtinGrants, DEVICE_CODE_GRANT, type Grant } from './grants/index.js';
import { createUserGrants, idTokenAlgsOf, registerUserEndpoints } from './grants/install.js';
import { createEventBus, type EventBus } from './events/bus.js';
import { createComplianceEvaluator, createDeviceRegistry, type DeviceRegistry } from './devices/index.js';
import { uemWebhookPlugin } from './signals/uem-webhook.js';
import { ssfReceiverPlugin } from './signals/ssf-receiver.js';
import { installDeviceTrust, type DeviceTrust } from './cae/install.js';
import { startBackchannelLogout } from './logout/index.js';
import { createApp } from './http/app.js';
import { createLogger } from './http/logger.js';
import { registerPostEndpoint } from './http/routes.js';
import { markStorageFailures } from './storage/unavailable.js';
import { installPar } from './par/index.js';
import { KeyManager } from './keys/index.js';
import { startPruning } from './maintenance/prune.js';
import { createAccessTokenIssuer } from './tokens/access-token.js';
import { createTokenInspector } from './tokens/inspect.js';

/** Options of {@link createTessera}. Only `config` is required. */
export interface TesseraOptions {
  /** Validated by {@link resolveConfig}; a bad value stops startup with every problem listed. */
  config: TesseraConfigInput;
  /** An open storage to use instead of opening `config.store`. The caller keeps ownership (and closes it). */
  storage?: Storage;
  /** Clock in epoch ms (tests freeze it). */
  now?: () => number;
  /** A pino logger to use; otherwise one is created at `config.server.logLevel`. */
  logger?: Logger;
  /** Where the created logger writes (tests capture it); default stdout. */
  logStream?: DestinationStream;
  /** Grant types offered at /token; default {@link builtinGrants}. */
  grants?: readonly Grant[];
  /**
   * A fan-out to the other nodes to use instead of the one `config.cluster` and `config.store` select
   * (embedders; tests running several nodes in one process on one memory hub). The caller keeps ownership.
   */
  fanout?: Fanout;
}

/** The configuration as exposed on {@link Tessera}: everything but the master key. */
export type PublicConfig = Omit<TesseraConfig, 'keys'> & { keys: Omit<TesseraConfig['keys'], 'masterKey'> };

/** A running (not yet listening) authorization server. */
export interface Tessera {
  /**
   * The Fastify instance; `app.inject()` serves requests in-process. Extra routes may be registered
   * until the first `listen()` or `inject()`.
   */
  readonly app: FastifyInstance;
  readonly storage: Storage;
  readonly keys: KeyManager;
  /** Client and resource management; changes are visible to this server at once. */
  readonly admin: Admin;
  /** In-process events (compliance changes, disabled users, ended sessions) that features react to. */
  readonly events: EventBus;
  /** Devices, posture and compliance (issue 5); `admin.devices` is the management view of it. */
  readonly devices: DeviceRegistry;
  /** Issue 5: the access policy engine in force (`policy.reload(text)`), the SSF transmitter (`null` when disabled), the decision log. */
  readonly deviceTrust: Pick<DeviceTrust, 'policy' | 'ssf' | 'decisions'>;
  /** The validated configuration, without the master key (it stays inside the key manager). */
  readonly config: PublicConfig;
  /** Start listening on `config.server.host:port`; resolves to the base URL actually bound. */
  listen(): Promise<string>;
  /** Stop timers, close the HTTP server, and close the storage if Tessera opened it. */
  close(): Promise<void>;
}

/**
 * Build an authorization server: validate the config, open and migrate the storage, load (or create)
 * the signing keys, and assemble the HTTP endpoints. Nothing listens until {@link Tessera.listen}.
 */
export async function createTessera(options: TesseraOptions): Promise<Tessera> {
  const config = resolveConfig(options.config);
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger({ level: config.server.logLevel, stream: options.logStream });
  const masterKey = typeof config.keys.masterKey === 'string' ? parseMasterKey(config.keys.masterKey) : config.keys.masterKey;

  const ownsStorage = options.storage === undefined;
  const storage = options.storage ?? (await openStorage(config.store.kind === 'memory' ? { kind: 'memory', now } : config.store));
  const stopTimers: (() => void)[] = [];
  // Other nodes on the same database hear about SSF enqueues and client/resource changes through it.
  const ownsFanout = options.fanout === undefined;
  let fanout = options.fanout;
  try {
    fanout ??= openFanout(defaultFanoutConfig(config.store, config.cluster), logger.child({ component: 'fanout' }));
    if (ownsFanout) await fanoutReady(fanout, config.cluster.redisUrl, logger);
    const cluster = { fanout, nodeId: randomUUID() };
    if (storage.kind === 'memory') logger.warn('memory storage: every client, key and token is lost on exit (dev/test only)');
    await storage.migrate();
    // What the endpoints use: the same storage, its failures marked so they answer 503, not 500.
    const served = markStorageFailures(storage);
    const events = createEventBus((name, error) => logger.error({ err: error, event: name }, 'event listener failed'));

    const keys = new KeyManager({
      store: storage.keys,
      masterKey,
      // Access tokens' algorithm and every ID-token algorithm (RS256 always), rotated alike.
      algs: [config.keys.accessTokenAlg, ...idTokenAlgsOf(config.tokens)],
      policy: {
        rotationPeriod: config.keys.rotationPeriod,
        publishAhead: config.keys.publishAhead,
        retainAfterRetire: config.keys.retainAfterRetire,
      },
      now,
      log: logger.child({ component: 'keys' }),
    });
    await keys.init();
    keys.startTimer(config.keys.tickInterval * 1000);
    stopTimers.push(() => keys.stop());

    const cacheMs = config.operations.clientCacheTtl * 1000;
    const cacheOptions = { ttlMs: cacheMs, negativeTtlMs: Math.min(cacheMs, 1000), now };
    const clients = new TtlCache<ClientRecord>({ ...cacheOptions, load: (id) => served.clients.get(id) });
    const resources = new TtlCache<ResourceRecord>({ ...cacheOptions, load: (id) => served.resources.get(id) });
    const invalidation = linkCacheInvalidation(cluster, { client: clients, resource: resources }, logger.child({ component: 'fanout' }));
    stopTimers.push(() => invalidation.unsubscribe());

    const devices = createDeviceRegistry({
      storage: served,
      events,
      evaluator: createComplianceEvaluator(config.devices),
      maxReportAge: config.devices.maxReportAge,
      historyRetention: config.devices.historyRetention,
      now,
    });
    stopTimers.push(devices.startSweep(config.devices.sweepInterval * 1000, (error) => logger.error({ err: error }, 'device sweep failed')));

    const grants = options.grants ?? builtinGrants;
    // Through the marked view (plus users and sessions), so the admin API answers an outage 503.
    const admin = createAdmin(markStorageFailures(served, ['users', 'sessions']), {
      now,
      ttl: config.ttl,
      grantTypes: grants.map((g) => g.grantType),
      // Here at once, and on the other nodes through the fan-out.
      onChange: (kind, id) => invalidation.changed(kind, id),
      // Disabling a user or resetting a password here tells back-channel logout, CAE and SSF.
      accounts: {
        masterKey,
        events,
        // The same argon2 parameters and password policy as sign-in, so admin-set passwords are not rehashed at login.
        passwordParams: passwordParamsFrom(config.accounts),
        passwordPolicy: { minLength: config.accounts.passwordMinLength, maxBytes: config.accounts.argon2.maxPasswordBytes },
        totpIssuer: config.accounts.totpIssuer,
      },
      devices: { registry: devices },
    });

    const clientAuth = createClientAuthentications({ lookup: (id) => clients.get(id), issuer: config.issuer, replay: served.replay, now });
    const find = createTokenInspector({ issuer: config.issuer, keys, tokens: served.tokens, revocations: served.revocations, cutoffs: served.cutoffs, now });
    const issueAccessToken = createAccessTokenIssuer({
      issuer: config.issuer,
      alg: config.keys.accessTokenAlg,
      keys,
      tokens: served.tokens,
      now,
    });

    const userGrants = createUserGrants({
      issuer: config.issuer,
      config: config.tokens,
      accessTokenMax: config.ttl.accessTokenMax,
      storage: served,
      keys,
      masterKey,
      now,
      log: logger.child({ component: 'grants' }),
    });

    const repeatable = new Set(grants.flatMap((g) => g.repeatable ?? []));
    const app = createApp({ server: config.server, logger, repeatable });
    const dpop = installDpop({ app, issuer: config.issuer, config: config.dpop, masterKey, storage: served, now });
    // RFC 9126: POST /par, authenticated as at /token; /authorize resolves the request_uri it hands out.
    const par = installPar({ app, issuer: config.issuer, path: PATHS.par, config: config.par, authenticate: clientAuth.token, store: served.pushedRequests, now, dpop: dpop.parStep });
    const deviceTrust = await installDeviceTrust({
      app, issuer: config.issuer, jwksPath: PATHS.jwks, policy: config.policy, ssf: config.ssf, maxAccessTokenTtl: config.ttl.accessTokenMax,
      storage: served, admin, keys, alg: config.keys.accessTokenAlg, find, events, now, log: logger, cluster,
    });
    stopTimers.push(() => deviceTrust.stop());
    // OIDC Back-Channel Logout: listens to session.revoked / user.disabled, delivers in the background.
    const backchannel = startBackchannelLogout({ issuer: config.issuer, storage: served, keys, events, log: logger.child({ component: 'backchannel-logout' }), now });
    stopTimers.push(() => backchannel.close());
    registerDiscovery(
      app,
      {
        ...buildMetadata({ issuer: config.issuer, grantTypes: grants.map((g) => g.grantType), clientAuth: clientAuth.metadata, idTokenAlgs: userGrants.idTokenAlgs }),
        ...interactionMetadata(config.issuer),
        ...dpop.metadata,
        ...backchannel.metadata,
        ...par.metadata,
      },
    );
    // The user-facing half: /authorize, sign-in, consent, device and account pages, /logout.
    registerInteraction(
      app,
      createInteractionDeps({
        issuer: config.issuer,
        masterKey,
        accounts: config.accounts,
        interaction: config.interaction,
        storage: served,
        lookupClient: (id) => clients.get(id),
        pushedRequests: par.resolver,
        checkAccess: deviceTrust.checkAccess,
        events,
        verificationKey: (kid) => keys.verificationKey(kid),
        now,
        log: app.log,
      }),
    );
    registerJwks(app, { keys, cacheMaxAge: config.keys.jwksCacheMaxAge });
    registerHealth(app, { storage, keys, alg: config.keys.accessTokenAlg });
    await app.register(uemWebhookPlugin, { config: config.devices, registry: devices, storage: served, now });
    await app.register(ssfReceiverPlugin, { config: config.devices, registry: devices, storage: served, now });
    registerPostEndpoint(
      app,
      tokenEndpoint({ path: PATHS.token, grants, authenticate: clientAuth.token, grantDeps: { lookupResource: (id) => resources.get(id), issueAccessToken, checkAccess: deviceTrust.checkAccess, user: userGrants.services }, dpop: dpop.tokenStep }),
    );
    registerPostEndpoint(app, introspectionEndpoint({ path: PATHS.introspection, issuer: config.issuer, authenticate: clientAuth.introspection, find }));
    registerPostEndpoint(
      app,
      revocationEndpoint({ path: PATHS.revocation, authenticate: clientAuth.revocation, find, tokens: served.tokens, revocations: served.revocations, families: userGrants.families, now }),
    );
    registerUserEndpoints(app, {
      issuer: config.issuer,
      config: config.tokens,
      storage: served,
      find,
      authenticate: clientAuth.token,
      dpop: dpop.resourceCheck,
      deviceFlow: grants.some((g) => g.grantType === DEVICE_CODE_GRANT),
      now,
    });

    // The admin API over HTTP (/admin/v1), for the console and automation; registers its resource if missing.
    await installAdminHttp(app, {
      config: config.admin, issuer: config.issuer, accessTokenMax: config.ttl.accessTokenMax, admin, decisions: deviceTrust.decisions,
      find, dpop: dpop.resourceCheck, lookupClient: (id) => served.clients.get(id), lookupUser: (id) => served.users.get(id), now,
    });

    stopTimers.push(startPruning({ storage, intervalMs: config.operations.pruneInterval * 1000, now, log: logger }));
    // Not `ready()` yet: later issues (and embedders) may still register routes on `app`; the first
    // `listen()` or `inject()` boots it.

    const { masterKey: _secret, ...publicKeys } = config.keys;
    let closed = false;
    return {
      app,
      storage,
      keys,
      admin,
      events,
      devices,
      deviceTrust: { policy: deviceTrust.policy, ssf: deviceTrust.ssf, decisions: deviceTrust.decisions },
      config: { ...config, keys: publicKeys },
      async listen() {
        await app.listen({ host: config.server.host, port: config.server.port });
        const address = app.server.address() as AddressInfo;
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        const url = `http://${host}:${address.port}`;
        logger.info({ url, issuer: config.issuer, store: storage.kind, alg: config.keys.accessTokenAlg }, 'tessera listening');
        return url;
      },
      async close() {
        if (closed) return;
        closed = true;
        for (const stop of stopTimers) stop();
        await app.close();
        if (ownsFanout) await fanout?.close();
        if (ownsStorage) await storage.close();
      },
    };
  } catch (error) {
    for (const stop of stopTimers) stop();
    if (ownsFanout) await fanout?.close().catch(() => undefined);
    if (ownsStorage) await storage.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Wait (a few seconds at most) until the fan-out listens, so this node hears what others send from its
 * first request on. A backend that is not there does not stop the start: messages are hints, the node
 * works alone (poll timeouts, cache TTL) and the adapter keeps reconnecting. Never logs a password.
 */
async function fanoutReady(fanout: Fanout, redisUrl: string | undefined, logger: Logger): Promise<void> {
  const where = { fanout: fanout.kind, ...(redisUrl === undefined ? {} : { redis: redactUrl(redisUrl) }) };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), 5000);
    timer.unref?.();
  });
  try {
    const result = await Promise.race([fanout.ready().then(() => 'ready' as const), timeout]);
    if (result === 'ready') {
      if (fanout.kind !== 'memory') logger.info(where, 'cluster fan-out listening');
    }
    else logger.error(where, 'cluster fan-out not listening yet; other nodes\' changes reach this one late until it connects');
  } catch (error) {
    logger.error({ ...where, err: error }, 'cluster fan-out could not connect; other nodes\' changes reach this one late until it reconnects');
  } finally {
    clearTimeout(timer);
  }
}
