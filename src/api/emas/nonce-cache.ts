import { ownCopy } from '../../util/own-copy.js';

/**
 * SignatureNonces seen recently, per AccessKey: a signed request can be replayed only while
 * its Timestamp is inside the window, so a nonce is remembered for twice the window and then
 * forgotten. Entries expire in insertion order (one constant lifetime), so sweeping is a walk
 * from the oldest. It answers this node's replays without a store round trip and bounds what
 * one node takes in; the store's nonce table answers replays sent to other nodes.
 */
/** Live nonces a node remembers at most; beyond, new requests are refused (Throttling.User). */
export const NONCE_CAPACITY = 1_000_000;

export class NonceCache {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly lifetimeMs: number,
    /** Beyond this many live nonces new ones are refused (the caller answers Throttling.User). */
    private readonly capacity = NONCE_CAPACITY,
  ) {}

  /** 'fresh' records the nonce; 'used' means a replay; 'full' means no room to remember it. */
  claim(accessKeyId: string, nonce: string, now = Date.now()): 'fresh' | 'used' | 'full' {
    this.sweep(now);
    const key = `${accessKeyId}\n${nonce}`;
    if (this.seen.has(key)) return 'used';
    if (this.seen.size >= this.capacity) return 'full';
    this.seen.set(ownCopy(key), now + this.lifetimeMs);
    return 'fresh';
  }

  get size(): number {
    return this.seen.size;
  }

  private sweep(now: number): void {
    for (const [key, expires] of this.seen) {
      if (expires > now) return;
      this.seen.delete(key);
    }
  }
}
