/**
 * The msg_ids a device has already received, oldest first, bounded: delivery is at least
 * once, so a push can arrive again (after a reconnection, before its ack reached the server),
 * and the last few thousand ids are enough to recognise it.
 */
export class SeenIds {
  private readonly ids = new Set<string>();

  constructor(
    readonly limit = 2000,
    initial: Iterable<string> = [],
  ) {
    for (const id of initial) this.add(id);
  }

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Records an id; false when it was already there. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    // a Set iterates in insertion order: the first value is the oldest
    while (this.ids.size > this.limit) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }

  toArray(): string[] {
    return [...this.ids];
  }
}
