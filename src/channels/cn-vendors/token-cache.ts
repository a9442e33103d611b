import type { TargetResult } from '../types.js';
import { trimOldest } from '../../util/bounded-map.js';

/**
 * Auth tokens of the vendors that issue them (OPPO, vivo), cached per credential and shared by
 * concurrent sends: one request fetches, the others wait for it. A token is used for at most
 * `reuseMs` (well inside the vendor's own validity) and dropped at once when the vendor calls
 * it invalid.
 */

export class AuthError extends Error {
  constructor(
    message: string,
    /** Network trouble or a vendor hiccup: try again later. Otherwise the credentials are wrong. */
    readonly retryable: boolean,
    readonly afterMs?: number,
  ) {
    super(message);
  }
}

interface Entry {
  token: string;
  until: number;
}

export class AuthTokenCache {
  private readonly tokens = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly fetchToken: (key: string) => Promise<string>,
    private readonly reuseMs: number,
  ) {}

  async get(key: string): Promise<string> {
    const hit = this.tokens.get(key);
    if (hit && hit.until > Date.now()) return hit.token;
    let p = this.pending.get(key);
    if (!p) {
      p = this.fetchToken(key).then(
        (token) => {
          this.tokens.set(key, { token, until: Date.now() + this.reuseMs });
          trimOldest(this.tokens, 10_000);
          this.pending.delete(key);
          return token;
        },
        (err: unknown) => {
          this.pending.delete(key);
          throw err;
        },
      );
      this.pending.set(key, p);
    }
    return p;
  }

  /** Forgets `token` (if it is still the cached one): the next `get` fetches a new one. */
  invalidate(key: string, token: string): void {
    if (this.tokens.get(key)?.token === token) this.tokens.delete(key);
  }
}

/** The result for every target of a send whose auth token could not be had. */
export function authFailure(err: AuthError): TargetResult {
  if (!err.retryable) return { kind: 'rejected', reason: err.message, code: 'auth' };
  return err.afterMs === undefined ? { kind: 'retry', reason: err.message } : { kind: 'retry', afterMs: err.afterMs, reason: err.message };
}
