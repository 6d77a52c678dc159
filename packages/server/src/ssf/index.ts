import type { FastifyInstance } from 'fastify';
import type { FanoutMessage, Storage } from '@tessera/store';
import type { SigningAlg } from '@tessera/token';
import type { Logger } from 'pino';
import type { ClusterLink } from '../config/cluster.js';
import type { KeySource } from '../tokens/key-source.js';
import type { FindActiveToken } from '../tokens/inspect.js';
import { createReceiverAuthentication } from './auth.js';
import type { SsfConfig } from './config.js';
import { registerFeedRoute } from './feed.js';
import { acceptJson } from './http.js';
import { buildSsfMetadata, registerSsfMetadata } from './metadata.js';
import { registerPollRoute } from './poll.js';
import { createPushWorker, type PushWorker } from './push.js';
import { createSetSigner } from './set.js';
import { registerStatusRoutes } from './status.js';
import { registerStreamRoutes } from './streams.js';
import { createTransmitter, type Transmitter } from './transmitter.js';
import { PollWaiters } from './waiters.js';

export { ssfSchema, type SsfConfig } from './config.js';
export { SSF_SCOPE } from './auth.js';
export * from './caep.js';
export type { Transmitter } from './transmitter.js';
export * from './vocabulary.js';

/** The running transmitter: what CAE publishes through, and what `close()` stops. */
export interface Ssf {
  readonly transmitter: Transmitter;
  /** The resource (RFC 8707) whose tokens manage streams. */
  readonly audience: string;
  readonly push: PushWorker;
  readonly waiters: PollWaiters;
  stop(): void;
}

/** The fan-out topic on which nodes tell each other that a stream has SETs to deliver. */
export const SSF_WAKE_TOPIC = 'ssf.wake';

/** The SSF audience for a configuration: explicit, or `<issuer>/ssf`. */
export function ssfAudience(config: Pick<SsfConfig, 'audience'>, issuer: string): string {
  return config.audience ?? `${issuer}/ssf`;
}

/**
 * The SSF transmitter (OpenID SSF 1.0, CAEP 1.0, RFC 8417/8935/8936): metadata, stream management,
 * status, verification, push worker, poll endpoint with instant wake-up, and the catch-up feed. Routes
 * are added to `app` (in an encapsulated scope that also parses JSON).
 */
export function createSsf(deps: {
  app: FastifyInstance;
  config: SsfConfig;
  issuer: string;
  jwksPath: string;
  storage: Pick<Storage, 'ssfStreams' | 'ssfEvents' | 'cutoffs' | 'revocations'>;
  keys: Pick<KeySource, 'signer'>;
  alg: SigningAlg;
  find: FindActiveToken;
  now: () => number;
  log: Logger;
  fetch?: typeof fetch;
  /** Other nodes on the same database: wake their pollers and push workers too. */
  cluster?: ClusterLink;
}): Ssf {
  const { app, config, issuer, storage, now } = deps;
  const log = deps.log.child({ component: 'ssf' });
  const audience = ssfAudience(config, issuer);
  const waiters = new PollWaiters();
  const push = createPushWorker({
    events: storage.ssfEvents,
    streams: storage.ssfStreams,
    now,
    log,
    timeoutMs: config.pushTimeout * 1000,
    retryMaxMs: config.pushRetryMax * 1000,
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
  });
  const sign = createSetSigner({ issuer, alg: deps.alg, keys: deps.keys, now });
  const cluster = deps.cluster === undefined ? undefined : linkCluster(deps.cluster, { push, waiters, log });
  const transmitter = createTransmitter({
    streams: storage.ssfStreams, events: storage.ssfEvents, sign, push, waiters, now, log,
    ...(cluster === undefined ? {} : { announce: cluster.announce }),
  });
  const authenticate = createReceiverAuthentication({ find: deps.find, audience });
  const minVerificationInterval = config.minVerificationInterval;

  registerSsfMetadata(app, buildSsfMetadata(issuer, deps.jwksPath));
  void app.register(async function ssfEndpoints(scope) {
    acceptJson(scope);
    registerStreamRoutes(scope, { issuer, streams: storage.ssfStreams, authenticate, transmitter, now, minVerificationInterval });
    registerStatusRoutes(scope, { streams: storage.ssfStreams, authenticate, transmitter, now, minVerificationInterval });
    registerPollRoute(scope, { streams: storage.ssfStreams, events: storage.ssfEvents, authenticate, waiters, now, pollTimeoutMs: config.pollTimeout * 1000 });
    registerFeedRoute(scope, { cutoffs: storage.cutoffs, revocations: storage.revocations, authenticate });
  });

  return {
    transmitter,
    audience,
    push,
    waiters,
    stop() {
      cluster?.unsubscribe();
      push.stop();
      waiters.close();
    },
  };
}

/**
 * `ssf.wake {streamId, delivery, origin}` both ways: announce local enqueues to the other nodes, and on
 * their announcements wake the local pollers of the stream or kick the local push worker. No double
 * delivery: a woken poller re-reads the outbox (acknowledged SETs are gone), and push workers claim
 * due SETs with a lease, so two kicked workers never send one SET at once.
 */
function linkCluster(
  { fanout, nodeId }: ClusterLink,
  local: { push: PushWorker; waiters: PollWaiters; log: Logger },
): { announce(streamId: string, delivery: 'push' | 'poll'): void; unsubscribe(): void } {
  const { push, waiters, log } = local;
  const unsubscribe = fanout.subscribe(SSF_WAKE_TOPIC, (message: FanoutMessage) => {
    const { streamId, delivery, origin } = message;
    if (origin === nodeId) return; // this node woke its own when it enqueued
    if (typeof streamId !== 'string' || (delivery !== 'push' && delivery !== 'poll')) {
      log.warn({ topic: SSF_WAKE_TOPIC }, 'fan-out: ssf.wake without streamId/delivery ignored');
      return;
    }
    if (delivery === 'push') push.kick();
    else waiters.wake(streamId);
  });
  // Wake-ups may have been lost while the fan-out was away: every poller re-reads its outbox, and the
  // push worker looks for due SETs.
  const stopReconnect = fanout.onReconnect(() => {
    waiters.wakeAll();
    push.kick();
  });
  return {
    announce(streamId, delivery) {
      // A lost wake-up costs the poll timeout or the push sweep, never the SET: it is in the outbox.
      fanout.publish(SSF_WAKE_TOPIC, { streamId, delivery, origin: nodeId }).catch((error: unknown) => log.warn({ err: error, streamId }, 'fan-out: ssf.wake not sent'));
    },
    unsubscribe() {
      unsubscribe();
      stopReconnect();
    },
  };
}
