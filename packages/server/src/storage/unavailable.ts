import { ConflictError, type Storage } from '@tessera/store';

/**
 * A storage call on a request path failed (database down, locked past its busy timeout, pool
 * exhausted…). Answered as 503 `temporarily_unavailable` with `Retry-After`, never as a 500: the
 * request was fine and may well succeed if retried; nothing was half-written (every store method is
 * one atomic statement or transaction).
 */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
  constructor(
    /** `slice.method`, for the operator's log. */
    readonly operation: string,
    options: { cause: unknown },
  ) {
    super(`storage call ${operation} failed`, options);
  }
}

/** A slice of the storage (an object of methods), by name. */
export type StorageSlice = { [K in keyof Storage]: Storage[K] extends (...args: never[]) => unknown ? never : Storage[K] extends object ? K : never }[keyof Storage];

/** The slices the HTTP endpoints call; the key manager and pruning log their own failures. */
const REQUEST_PATH_SLICES = ['clients', 'resources', 'tokens', 'revocations', 'replay', 'devices', 'cutoffs', 'decisionLog', 'pushedRequests'] as const;

function methodNames(target: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = target; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && typeof (target as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names];
}

function mark(operation: string, error: unknown): unknown {
  // A conflict is an answer from a healthy store, and a marked error is already marked.
  if (error instanceof ConflictError || error instanceof StorageUnavailableError) return error;
  return new StorageUnavailableError(operation, { cause: error });
}

function wrapSlice<T extends object>(name: string, slice: T): T {
  const wrapped = Object.create(slice) as Record<string, unknown>;
  for (const method of methodNames(slice)) {
    const operation = `${name}.${method}`;
    // Looked up at call time, so the wrapper follows whatever the slice holds now.
    wrapped[method] = (...args: unknown[]) => {
      let result: unknown;
      try {
        result = (slice as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);
      } catch (error) {
        throw mark(operation, error);
      }
      return result instanceof Promise
        ? result.catch((error: unknown) => {
            throw mark(operation, error);
          })
        : result;
    };
  }
  return wrapped as T;
}

/**
 * The same storage, with every failure of a request-path slice turned into a
 * {@link StorageUnavailableError}, so the error handler can tell "the database is down" (503) from a
 * bug (500) in one place instead of at every call site. `slices` picks which (default: those the
 * endpoints call); a view of a view adds slices to it.
 */
export function markStorageFailures<S extends Storage>(storage: S, slices: readonly StorageSlice[] = REQUEST_PATH_SLICES): S {
  const view = Object.create(storage) as Record<string, unknown>;
  for (const name of slices) view[name] = wrapSlice(name, storage[name]);
  return view as S;
}
