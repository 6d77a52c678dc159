/**
 * What happened inside the server that other parts react to: continuous access evaluation revokes,
 * the SSF transmitter tells receivers, back-channel logout tells clients. Producers do not know their
 * consumers; a slow or failing consumer never fails the request that produced the event.
 */
export interface ServerEvents {
  /** A device's compliance verdict changed (posture report, freshness expiry, admin action). */
  'device.compliance_changed': {
    readonly deviceId: string;
    /** Owner of the device, if it has one. */
    readonly userId: string | null;
    readonly previous: 'compliant' | 'not-compliant';
    readonly current: 'compliant' | 'not-compliant';
    /** Stable compliance reason codes; empty when compliant. */
    readonly reasons: readonly string[];
    /** When the change took effect at this server. */
    readonly at: Date;
  };
  /** A device was removed from the registry: treat it like non-compliant forever. */
  'device.deleted': { readonly deviceId: string; readonly userId: string | null; readonly at: Date };
  /** A user was disabled; their sessions (listed by public `sid`) and refresh tokens are revoked. */
  'user.disabled': { readonly userId: string; readonly sids: readonly string[]; readonly at: Date };
  /** An SSO session ended (logout, revocation); `reason` is for operators and SSF `reason_admin`. */
  'session.revoked': { readonly sid: string; readonly userId: string; readonly at: Date; readonly reason: string };
}

export type ServerEventName = keyof ServerEvents;
export type ServerEventListener<K extends ServerEventName> = (event: ServerEvents[K]) => void | Promise<void>;

/** Typed, in-process publish/subscribe; see {@link ServerEvents}. */
export interface EventBus {
  /** Subscribe; returns the unsubscribe function. */
  on<K extends ServerEventName>(name: K, listener: ServerEventListener<K>): () => void;
  /**
   * Deliver to every listener and resolve when all have settled. A listener that throws or rejects is
   * logged and skipped; the others still run, and `emit` itself never rejects.
   */
  emit<K extends ServerEventName>(name: K, event: ServerEvents[K]): Promise<void>;
}

export function createEventBus(onListenerError: (name: ServerEventName, error: unknown) => void): EventBus {
  const listeners = new Map<ServerEventName, Set<ServerEventListener<never>>>();
  return {
    on(name, listener) {
      let set = listeners.get(name);
      if (set === undefined) listeners.set(name, (set = new Set()));
      set.add(listener as ServerEventListener<never>);
      return () => set.delete(listener as ServerEventListener<never>);
    },
    async emit(name, event) {
      const set = listeners.get(name);
      if (set === undefined || set.size === 0) return;
      await Promise.all(
        [...set].map(async (listener) => {
          try {
            await (listener as ServerEventListener<typeof name>)(event);
          } catch (error) {
            onListenerError(name, error);
          }
        }),
      );
    },
  };
}
