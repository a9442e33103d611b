/**
 * A feature the configured store does not hold (yet): the APIs answer it with HTTP 501 and
 * their own error body, so a client learns which store to use instead of seeing a 500.
 */
export class StoreFeatureUnavailable extends Error {
  readonly status = 501;

  constructor(
    readonly feature: string,
    readonly store: string,
  ) {
    super(`${feature} is not available on the ${store} store in this version; run this feature on SQLite`);
  }
}

const unavailable = new WeakSet<object>();

/** Marks a sub-store as one the store does not have (see `isUnavailable`). */
export function markUnavailable<T extends object>(subStore: T): T {
  unavailable.add(subStore);
  return subStore;
}

/** True for a sub-store every call of which rejects with `StoreFeatureUnavailable`: its background work is not started. */
export function isUnavailable(subStore: object): boolean {
  return unavailable.has(subStore);
}
