import type { FastifyInstance } from 'fastify';
import type { Storage } from '@tessera/store';
import type { SigningAlg } from '@tessera/token';
import { NO_STORE } from '../http/headers.js';
import { registerGetEndpoint } from '../http/routes.js';
import type { KeySource } from '../tokens/key-source.js';
import { PATHS } from './discovery.js';

/** How long `/readyz` waits for the storage before calling it down. */
const PING_TIMEOUT_MS = 2000;

/**
 * `GET /healthz`: the process answers (liveness). `GET /readyz`: the storage answers a ping and a
 * signing key is loaded (readiness: safe to route traffic here). Both JSON, never cached.
 */
export function registerHealth(
  app: FastifyInstance,
  deps: { storage: Pick<Storage, 'ping'>; keys: Pick<KeySource, 'signer'>; alg: SigningAlg },
): void {
  registerGetEndpoint(app, PATHS.healthz, (_request, reply) => reply.headers(NO_STORE).send({ status: 'ok' }));
  registerGetEndpoint(app, PATHS.readyz, async (request, reply) => {
    const [storage, keys] = await Promise.all([pingStorage(deps.storage), Promise.resolve(keysLoaded(deps))]);
    const ready = storage && keys;
    if (!ready) request.log.warn({ storage, keys }, 'not ready');
    return reply
      .code(ready ? 200 : 503)
      .headers(NO_STORE)
      .send({ status: ready ? 'ready' : 'unavailable', checks: { storage: storage ? 'ok' : 'down', keys: keys ? 'ok' : 'missing' } });
  });
}

async function pingStorage(storage: Pick<Storage, 'ping'>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([storage.ping().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function keysLoaded(deps: { keys: Pick<KeySource, 'signer'>; alg: SigningAlg }): boolean {
  try {
    deps.keys.signer(deps.alg);
    return true;
  } catch {
    return false;
  }
}
