import type { TargetResult } from '../channels/types.js';
import type { RelayDisposition } from './relay-worker.js';
import { trimOldest } from '../util/bounded-map.js';

export interface VendorAnswer {
  channel: string;
  disposition: RelayDisposition;
  /** The vendor's words: its message id when it took the push, its reason otherwise. */
  answer: string;
  /** Fields of the push the vendor could not carry and were dropped (delivered results only). */
  notes?: string[];
  at: number;
}

/** Answers kept, at most: the trace of recent pushes; older ones keep only their figures. */
const MAX_ANSWERS = 100_000;

/**
 * The last vendor answer per push and device, kept in memory for the per-device trace. Bounded:
 * the durable record is the per-channel bitmaps (sent / failed / token dead).
 */
export class VendorAnswers {
  private readonly answers = new Map<string, VendorAnswer[]>();

  record(msgId: string, num: number, channel: string, result: TargetResult, disposition: RelayDisposition): void {
    const key = `${msgId}:${num}`;
    const answer = result.kind === 'delivered' ? `accepted${result.vendorMessageId ? ` (${result.vendorMessageId})` : ''}` : result.reason;
    const list = (this.answers.get(key) ?? []).filter((a) => a.channel !== channel);
    const entry: VendorAnswer = { channel, disposition, answer, at: Date.now() };
    if (result.kind === 'delivered' && result.notes && result.notes.length > 0) entry.notes = result.notes;
    list.push(entry);
    this.answers.delete(key);
    this.answers.set(key, list);
    trimOldest(this.answers, MAX_ANSWERS);
  }

  of(msgId: string, num: number): VendorAnswer[] {
    return this.answers.get(`${msgId}:${num}`) ?? [];
  }
}
