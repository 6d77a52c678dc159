import type { FanoutLogger, FanoutMessage } from '@tessera/store';
import type { ClusterLink } from '../config/cluster.js';

/** The fan-out topic on which nodes tell each other to drop a cached client or resource. */
export const CACHE_INVALIDATE_TOPIC = 'cache.invalidate';

/** What can be invalidated: the client and resource caches of `createTessera`. */
export type CachedKind = 'client' | 'resource';

/**
 * Cache invalidation across nodes: `changed(kind, id)` drops the entry here and publishes
 * `cache.invalidate {kind, id, origin}`; every other node drops it on receipt. So disabling a client or
 * changing a resource through one node is seen by the others at once rather than after
 * `operations.clientCacheTtl`, which stays the bound if a message is lost (the database is the truth).
 * When the fan-out reconnects (messages may have been missed), both caches start over.
 */
export function linkCacheInvalidation(
  { fanout, nodeId }: ClusterLink,
  caches: Record<CachedKind, { invalidate(key?: string): void }>,
  log: Pick<FanoutLogger, 'warn'>,
): { changed(kind: CachedKind, id: string): void; unsubscribe(): void } {
  const unsubscribe = fanout.subscribe(CACHE_INVALIDATE_TOPIC, (message: FanoutMessage) => {
    const { kind, id, origin } = message;
    if (origin === nodeId) return; // dropped locally before it was sent
    if ((kind !== 'client' && kind !== 'resource') || typeof id !== 'string') {
      log.warn({ topic: CACHE_INVALIDATE_TOPIC }, 'fan-out: cache.invalidate without kind/id ignored');
      return;
    }
    caches[kind].invalidate(id);
  });
  // Invalidations may have been lost while the fan-out was away: start the caches over.
  const stopReconnect = fanout.onReconnect(() => {
    caches.client.invalidate();
    caches.resource.invalidate();
  });
  return {
    changed(kind, id) {
      caches[kind].invalidate(id);
      fanout.publish(CACHE_INVALIDATE_TOPIC, { kind, id, origin: nodeId }).catch((error: unknown) => log.warn({ err: error, kind, id }, 'fan-out: cache.invalidate not sent'));
    },
    unsubscribe() {
      unsubscribe();
      stopReconnect();
    },
  };
}
