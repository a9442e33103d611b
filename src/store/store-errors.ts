/** Errors of the store that the APIs answer with a documented error body (never a 500). */

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

/** A push insert that carried an EMAS SignatureNonce already used: nothing was written. */
export class NonceUsedError extends Error {
  constructor() {
    super('the SignatureNonce was used already');
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

/**
 * A value the store cannot hold (PostgreSQL text with a NUL character). `statusCode` 400 makes
 * every API answer it as its own invalid-parameter error, as Fastify's own 4xx errors are.
 */
export class StoreInputRejected extends Error {
  readonly statusCode = 400;

  constructor(readonly detail: string) {
    super('The request holds a character the store cannot keep (NUL)');
  }
}
