import { StoreFeatureUnavailable, markUnavailable } from '../store-errors.js';

/**
 * A sub-store the PostgreSQL store does not have yet: every method call rejects with
 * `StoreFeatureUnavailable`, which the HTTP APIs answer with a documented 501, so a feature
 * that needs it fails loudly (never silently, never as a 500).
 */
export function notImplemented<T extends object>(name: string): T {
  return markUnavailable(new Proxy({} as T, {
    get(_target, prop) {
      // not a thenable: awaiting the sub-store itself must not call anything
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      return () => Promise.reject(new StoreFeatureUnavailable(name, 'PostgreSQL'));
    },
  }));
}
