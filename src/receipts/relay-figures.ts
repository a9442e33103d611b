import { RoaringBitmap32 } from '../audience/audience-index.js';
import type { RelayQueue } from '../store/relay-types.js';

/** What a vendor channel did with one push: devices it accepted, failed for, found dead. */
export interface RelayFigures {
  sent: number;
  failed: number;
  tokenDead: number;
  /** Devices left to the own connection because the vendor's quota was used up. */
  quotaFallback: number;
  /** Devices the vendor's own receipts reported (null: the vendor sent none for this push). */
  received: number | null;
  clicked: number | null;
}

/** Per-channel relay figures of a push (channels it never tried are absent). */
export async function relayFigures(relay: RelayQueue, msgId: string): Promise<Record<string, RelayFigures>> {
  const out: Record<string, RelayFigures> = {};
  for (const r of await relay.receipts(msgId)) {
    const size = (b: Buffer) => RoaringBitmap32.deserialize(b, 'portable').size;
    out[r.channel] = {
      sent: size(r.sent),
      failed: size(r.failed),
      tokenDead: size(r.dead),
      quotaFallback: r.fallback ? size(r.fallback) : 0,
      received: r.received ? size(r.received) : null,
      clicked: r.clicked ? size(r.clicked) : null,
    };
  }
  return out;
}

/** One device's relay outcome per channel: 'sent', 'failed', 'token_dead', 'quota_fallback', or absent. */
export async function relayTrace(relay: RelayQueue, msgId: string, num: number): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const r of await relay.receipts(msgId)) {
    const has = (b: Buffer) => RoaringBitmap32.deserialize(b, 'portable').has(num);
    if (has(r.sent)) out[r.channel] = 'sent';
    else if (has(r.dead)) out[r.channel] = 'token_dead';
    else if (has(r.failed)) out[r.channel] = 'failed';
    else if (r.fallback && has(r.fallback)) out[r.channel] = 'quota_fallback';
  }
  return out;
}
