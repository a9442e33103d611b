/** Listener signatures by event name: each entry is the tuple of arguments. */
export type EventMap = Record<string, unknown[]>;
export type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * A minimal typed event emitter that runs in browsers and Node alike. A listener that throws
 * does not stop the others; its error goes to `onListenerError`.
 */
export class Emitter<E extends EventMap> {
  private readonly listeners: { [K in keyof E]?: Listener<E[K]>[] } = {};

  constructor(private readonly onListenerError: (err: unknown, event: keyof E) => void) {}

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof E>(event: K, listener: Listener<E[K]>): () => void {
    (this.listeners[event] ??= []).push(listener);
    return () => this.off(event, listener);
  }

  off<K extends keyof E>(event: K, listener: Listener<E[K]>): void {
    const list = this.listeners[event];
    const i = list ? list.indexOf(listener) : -1;
    if (list && i >= 0) list.splice(i, 1);
  }

  has(event: keyof E): boolean {
    return (this.listeners[event]?.length ?? 0) > 0;
  }

  emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const list = this.listeners[event];
    if (!list) return;
    // a copy, so listeners may remove themselves while the event runs
    for (const listener of [...list]) {
      try {
        listener(...args);
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
  }
}
