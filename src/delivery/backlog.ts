import type { LivePush } from './live-pushes.js';

/**
 * What a reconnecting device is owed, oldest first: the pushes held in memory (a short list,
 * complete from the start) merged with its inbox in the store, read one page at a time, so a
 * device owed thousands of pushes never has them all in memory at once.
 */
export class Backlog {
  private mi = 0;
  private page: LivePush[] = [];
  private pi = 0;
  /** Highest inbox msg_id read so far (null: none yet). */
  cursor: string | null = null;
  /** The inbox may hold more entries after `cursor`. */
  inboxMore = true;
  /** A page is being read. */
  loading = false;
  /** Pushes of the memory list, which the inbox pages skip (an inboxed push may be in both). */
  readonly inMemory: ReadonlySet<string>;

  constructor(private readonly memory: LivePush[]) {
    this.inMemory = new Set(memory.map((lp) => lp.msgId));
  }

  /** Takes the next page read from the inbox (already filtered to what is owed), oldest first. */
  addPage(pushes: LivePush[], lastMsgId: string | null, more: boolean): void {
    this.page = pushes;
    this.pi = 0;
    if (lastMsgId !== null) this.cursor = lastMsgId;
    this.inboxMore = more;
  }

  /** The page is used up while the inbox has more: the next push cannot be chosen before reading it. */
  get needsPage(): boolean {
    return this.pi >= this.page.length && this.inboxMore;
  }

  get done(): boolean {
    return this.mi >= this.memory.length && this.pi >= this.page.length && !this.inboxMore;
  }

  /** The oldest push not yet taken, or undefined when used up or a page must be read first. */
  next(): LivePush | undefined {
    if (this.needsPage) return undefined;
    const a = this.memory[this.mi];
    const b = this.page[this.pi];
    if (a && (!b || Number(a.msgId) < Number(b.msgId))) {
      this.mi++;
      return a;
    }
    if (b) this.pi++;
    return b;
  }

  /** The connection failed: nothing more goes on it. */
  abandon(): void {
    this.mi = this.memory.length;
    this.page = [];
    this.pi = 0;
    this.inboxMore = false;
  }
}
