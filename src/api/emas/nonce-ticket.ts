import { NonceUsedError } from '../../store/store-errors.js';
import type { NonceClaim } from '../../store/types.js';

/**
 * A signed request's SignatureNonce on its way to the store. An action with effects uses it up
 * before it acts (`use`). A push accepted at once may instead carry it into the push's own
 * commit (`ride`), where the store can take it there (SQLite): that spares a commit of its own
 * per signed request. A request that fails while its nonce is not used up yet uses it up
 * afterwards, best effort, so a failed request cannot be replayed either.
 */
export class NonceTicket {
  private state: 'open' | 'riding' | 'used' = 'open';

  constructor(
    private readonly claim: NonceClaim,
    private readonly useNow: (claim: NonceClaim) => Promise<void>,
    /** Whether this request's action may carry the nonce into a push commit. */
    readonly canRide: boolean,
  ) {}

  /** Uses the nonce up now (once); rejects with SignatureNonceUsed when it was taken. */
  async use(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'used';
    await this.useNow(this.claim);
  }

  /** The nonce for a push commit to use up, or undefined: then `use` it before acting. */
  ride(): NonceClaim | undefined {
    if (this.state !== 'open' || !this.canRide) return undefined;
    this.state = 'riding';
    return this.claim;
  }

  get open(): boolean {
    return this.state === 'open';
  }

  /** After the action failed with `err`: a nonce not known to be used up is claimed, its answer ignored. */
  afterFailure(err: unknown): void {
    if (this.state === 'used' || err instanceof NonceUsedError) return;
    this.state = 'used';
    this.useNow(this.claim).catch(() => undefined);
  }
}
