/**
 * A sub-store the PostgreSQL store does not have yet: every method call fails with a clear
 * error (a rejected promise), so a feature that needs it fails loudly instead of silently.
 */
export function notImplemented<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      // not a thenable: awaiting the sub-store itself must not call anything
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      return () => Promise.reject(new Error(`store.${name}.${String(prop)} is not implemented in PostgreSQL yet`));
    },
  });
}
