import type { KeyStore, SigningKeyRecord } from '@tessera/store';
import { encryptPrivateKey, type RotationAction, type SigningAlg, type SigningKey } from '@tessera/token';

export interface ApplyContext {
  store: KeyStore;
  masterKey: Buffer;
  generate(alg: SigningAlg): Promise<SigningKey>;
  info(fields: object, message: string): void;
}

/** A new key record, its private key sealed under the master key with the kid as AAD. */
export async function newKeyRecord(
  ctx: ApplyContext,
  alg: SigningAlg,
  state: 'next' | 'current',
  now: Date,
  activatesAt: Date,
): Promise<SigningKeyRecord> {
  const key = await ctx.generate(alg);
  return {
    v: 1,
    kid: key.kid,
    alg,
    state,
    publicJwk: { ...key.publicJwk },
    encryptedPrivateKey: encryptPrivateKey(key.privateKey, ctx.masterKey, key.kid),
    createdAt: now,
    activatesAt,
    retiredAt: null,
    removeAfter: null,
  };
}

/**
 * Apply planned actions in order. Transitions are compare-and-set in the store, so when several nodes
 * apply the same plan each transition lands once; a racing duplicate insert leaves a surplus key that
 * the next plan retires.
 */
export async function applyActions(ctx: ApplyContext, actions: readonly RotationAction[], now: Date): Promise<void> {
  // Key generation (RSA above all) runs on libuv's pool: start every key of the plan at once, so a
  // bootstrap of several algorithms costs about the slowest key, not their sum. Inserts stay in order.
  const generated = actions.map((action) =>
    action.type === 'create-current' || action.type === 'create-next'
      ? newKeyRecord(ctx, action.alg, action.type === 'create-current' ? 'current' : 'next', now, action.activatesAt)
      : undefined,
  );
  // A failed generation must not surface as an unhandled rejection while earlier steps are awaited.
  for (const pending of generated) pending?.catch(() => undefined);
  for (const [i, action] of actions.entries()) {
    switch (action.type) {
      case 'create-current':
      case 'create-next': {
        const state = action.type === 'create-current' ? 'current' : 'next';
        const record = await generated[i]!;
        await ctx.store.insert(record);
        ctx.info({ kid: record.kid, alg: record.alg, state, activatesAt: action.activatesAt }, 'keys: signing key created');
        break;
      }
      case 'activate':
        if (await ctx.store.transition(action.kid, 'next', { state: 'current', activatesAt: action.activatesAt })) {
          ctx.info({ kid: action.kid }, 'keys: next key is now current');
        }
        break;
      case 'retire':
        if (
          await ctx.store.transition(action.kid, action.from, {
            state: 'retired',
            retiredAt: action.retiredAt,
            removeAfter: action.removeAfter,
          })
        ) {
          ctx.info({ kid: action.kid, from: action.from, removeAfter: action.removeAfter }, 'keys: key retired');
        }
        break;
      case 'delete':
        if (await ctx.store.delete(action.kid)) ctx.info({ kid: action.kid }, 'keys: retired key deleted');
        break;
    }
  }
}
