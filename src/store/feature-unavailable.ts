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
