/**
 * Point lookups made in one event-loop turn, answered by one query: a storm of device
 * connections would otherwise cost PostgreSQL one round trip (parse, plan, execute) each.
 * Each caller still gets only the answer for its own key.
 */
export class Coalescer<K, V> {
  private pending = new Map<K, { resolve: (v: V | undefined) => void; reject: (err: unknown) => void }[]>();
  private scheduled = false;

  constructor(
    /** Answers many keys at once; keys absent from the map have no answer. */
    private readonly fetch: (keys: K[]) => Promise<Map<K, V>>,
    /** Most keys per query; a bigger turn is split over several. */
    private readonly maxBatch = 1000,
  ) {}

  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        // after the I/O callbacks of this turn, which is when the rest of a storm has arrived
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    const keys = [...batch.keys()];
    for (let i = 0; i < keys.length; i += this.maxBatch) {
      const part = keys.slice(i, i + this.maxBatch);
      this.fetch(part).then(
        (found) => {
          for (const k of part) for (const w of batch.get(k)!) w.resolve(found.get(k));
        },
        (err: unknown) => {
          for (const k of part) for (const w of batch.get(k)!) w.reject(err);
        },
      );
    }
  }
}
