import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ClientRecord, Storage } from '@tessera/store';
import { isSigningAlg, type SigningAlg } from '@tessera/token';
import type { EventBus, ServerEvents } from '../events/bus.js';
import type { KeySource } from '../tokens/key-source.js';
import { signLogoutToken } from './logout-token.js';

/**
 * OpenID Connect Back-Channel Logout 1.0: when an SSO session ends (`session.revoked`) or a user is
 * disabled (`user.disabled`), the clients that registered a `backchannel_logout_uri` get a signed
 * logout token by direct POST (§2.5).
 *
 * Which clients (§2.3 "Remembering Logged-In RPs"): for one session's end, exactly those the user
 * signed into within that session (`sessions.clientsOf(sid)`, recorded when a code or a device
 * approval was issued there), whatever became of their grants since — an RP's own session came from
 * the ID token. For a disabled user (every session ended), the clients holding a live grant of the
 * user: one token without `sid` (every session of `sub`, §2.4), or one per ended session for clients
 * that require `sid` (§2.2).
 *
 * Delivery never holds up the request that ended the session: the event listener only starts it.
 * Each attempt has a timeout, failures that may be transient (network, timeout, 5xx, 429) are retried
 * with exponential backoff, redirects are not followed, and every outcome is logged — without the token.
 */
export interface BackchannelLogoutDeps {
  issuer: string;
  storage: Pick<Storage, 'grants' | 'clients' | 'sessions'>;
  /** The server's keys; logout tokens use the keys and algorithm of the client's ID tokens (§2.4). */
  keys: Pick<KeySource, 'signer'>;
  events: Pick<EventBus, 'on'>;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Epoch ms. */
  now?: () => number;
  fetch?: typeof globalThis.fetch;
  /** Per attempt; default 5 s. */
  timeoutMs?: number;
  /** Attempts per logout token, the first included; default 4. */
  attempts?: number;
  /** Wait before the first retry, doubling after each; default 1 s. */
  backoffMs?: number;
  /** Logout POSTs in flight at once, across all clients (a mass disable must not open thousands of sockets); default 16. */
  maxConcurrent?: number;
  /** Told the outcome of every logout token (after its last attempt), e.g. for metrics or a CLI summary. */
  onResult?: (result: DeliveryResult) => void;
}

/** How one logout token fared. */
export interface DeliveryResult {
  readonly clientId: string;
  readonly sid?: string;
  readonly delivered: boolean;
  readonly attempts: number;
  /** `HTTP 200`, `HTTP 400`, `no answer within 5000 ms`, `network error ECONNREFUSED`, `no signing key`. */
  readonly outcome: string;
}

export interface BackchannelLogout {
  /** Resolves once every delivery started so far has ended (delivered, refused, or given up). */
  idle(): Promise<void>;
  /** Stop listening and abandon deliveries in flight (server shutdown). */
  close(): void;
  /** Discovery members (§2.1), true because this is wired. */
  readonly metadata: { readonly backchannel_logout_supported: true; readonly backchannel_logout_session_supported: true };
}

/** One logout token to send: to this client, about this user, and (optionally) this session. */
interface Message {
  client: ClientRecord;
  subject: string;
  sid?: string;
}

/** The scheme, host and path of a logout URI, for logs: its query may carry something the RP considers secret. */
function where(uri: string): string {
  try {
    const url = new URL(uri);
    return url.origin + url.pathname;
  } catch {
    return '(invalid uri)';
  }
}

export function startBackchannelLogout(deps: BackchannelLogoutDeps): BackchannelLogout {
  const now = deps.now ?? Date.now;
  const send = deps.fetch ?? globalThis.fetch;
  const timeoutMs = deps.timeoutMs ?? 5000;
  const attempts = deps.attempts ?? 4;
  const backoffMs = deps.backoffMs ?? 1000;
  const { log } = deps;
  const shutdown = new AbortController();
  const pending = new Set<Promise<void>>();
  const maxConcurrent = deps.maxConcurrent ?? 16;
  let active = 0;
  const waiting: (() => void)[] = [];

  /** Run `fn` holding one of `maxConcurrent` slots; a finished holder hands its slot straight to the next waiter. */
  async function limited<T>(fn: () => Promise<T>): Promise<T> {
    if (active < maxConcurrent) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next === undefined) active--;
      else next();
    }
  }

  function track(work: Promise<void>): void {
    const p = work.catch((error: unknown) => log.error({ err: error }, 'back-channel logout failed unexpectedly')).finally(() => pending.delete(p));
    pending.add(p);
  }

  /** Those of `clientIds` that still exist and registered a logout URI. */
  async function withLogoutUri(clientIds: Iterable<string>): Promise<ClientRecord[]> {
    const clients = await Promise.all([...new Set(clientIds)].map((id) => deps.storage.clients.get(id)));
    return clients.filter((c): c is ClientRecord => c !== undefined && typeof c.metadata.backchannel_logout_uri === 'string');
  }

  /** Clients with a logout URI among the user's live grants (every session of the user ended). */
  async function grantTargets(userId: string): Promise<ClientRecord[]> {
    return withLogoutUri((await deps.storage.grants.listByUser(userId)).map((g) => g.clientId));
  }

  function algOf(client: ClientRecord): SigningAlg {
    const asked = client.metadata.id_token_signed_response_alg;
    return isSigningAlg(asked) ? asked : 'RS256';
  }

  async function deliver(message: Message): Promise<void> {
    const { client } = message;
    const uri = client.metadata.backchannel_logout_uri as string;
    const context = { client_id: client.clientId, uri: where(uri), ...(message.sid !== undefined && { sid: message.sid }) };
    const report = (delivered: boolean, attempts: number, outcome: string) =>
      deps.onResult?.({ clientId: client.clientId, ...(message.sid !== undefined && { sid: message.sid }), delivered, attempts, outcome });
    for (let attempt = 1; attempt <= attempts && !shutdown.signal.aborted; attempt++) {
      let token: string;
      try {
        token = signLogoutToken(deps.keys.signer(algOf(client)), { issuer: deps.issuer, clientId: client.clientId, subject: message.subject, now: now(), ...(message.sid !== undefined && { sid: message.sid }) });
      } catch (error) {
        log.error({ ...context, alg: algOf(client), err: error }, 'back-channel logout: no key to sign the logout token');
        report(false, attempt - 1, 'no signing key');
        return;
      }
      let outcome: string;
      let retry: boolean;
      try {
        const response = await limited(async () => {
          const answer = await send(uri, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ logout_token: token }).toString(),
            // A logout URI that redirects is misconfigured; following it could post the token elsewhere.
            redirect: 'manual',
            // Started once a slot is free, so waiting for one never counts against the timeout.
            signal: AbortSignal.any([shutdown.signal, AbortSignal.timeout(timeoutMs)]),
          });
          await answer.body?.cancel().catch(() => undefined);
          return answer;
        });
        // §2.8: 200 on success; some frameworks answer 204, which the spec says to accept.
        if (response.status >= 200 && response.status < 300) {
          log.info({ ...context, status: response.status, attempt }, 'back-channel logout delivered');
          report(true, attempt, `HTTP ${response.status}`);
          return;
        }
        outcome = `HTTP ${response.status}`;
        retry = response.status >= 500 || response.status === 429;
      } catch (error) {
        if (shutdown.signal.aborted) return;
        const e = error as Error & { cause?: { code?: string } };
        outcome = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `network error ${e.cause?.code ?? e.name}`;
        retry = true;
      }
      if (!retry || attempt === attempts) {
        log.warn({ ...context, attempt, outcome }, 'back-channel logout not delivered; giving up');
        report(false, attempt, outcome);
        return;
      }
      log.warn({ ...context, attempt, outcome }, 'back-channel logout not delivered; will retry');
      await sleep(backoffMs * 2 ** (attempt - 1), undefined, { signal: shutdown.signal }).catch(() => undefined);
    }
  }

  async function onSessionRevoked(event: ServerEvents['session.revoked']): Promise<void> {
    for (const client of await withLogoutUri(await deps.storage.sessions.clientsOf(event.sid))) track(deliver({ client, subject: event.userId, sid: event.sid }));
  }

  async function onUserDisabled(event: ServerEvents['user.disabled']): Promise<void> {
    for (const client of await grantTargets(event.userId)) {
      if (client.metadata.backchannel_logout_session_required === true) {
        // The client asked for `sid` in every logout token (§2.2): one per ended session.
        for (const sid of event.sids) track(deliver({ client, subject: event.userId, sid }));
      } else {
        // No `sid`: every session of `sub` at the RP ends (§2.4).
        track(deliver({ client, subject: event.userId }));
      }
    }
  }

  const unsubscribe = [
    deps.events.on('session.revoked', (event) => void track(onSessionRevoked(event))),
    deps.events.on('user.disabled', (event) => void track(onUserDisabled(event))),
  ];

  return {
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    close() {
      for (const off of unsubscribe) off();
      shutdown.abort();
    },
    metadata: { backchannel_logout_supported: true, backchannel_logout_session_supported: true },
  };
}
