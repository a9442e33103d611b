import { randomBytes } from 'node:crypto';
import type { Bus, BusEnvelope, BusEvent, BusListener } from './types.js';

/**
 * Nodes of one process that hear each other: a single node alone (the default, where every
 * publish goes nowhere) or several nodes started in one process by tests.
 */
export class LocalBusHub {
  readonly members = new Set<LocalBus>();

  join(node: number): LocalBus {
    const bus = new LocalBus(node, this);
    this.members.add(bus);
    return bus;
  }
}

/** The in-process bus. Delivery is asynchronous (a later turn), as it would be over a network. */
export class LocalBus implements Bus {
  readonly instance = randomBytes(6).toString('hex');
  readonly connected = true;
  private readonly listeners: BusListener[] = [];

  constructor(
    readonly node: number,
    private readonly hub: LocalBusHub = new LocalBusHub(),
  ) {
    hub.members.add(this);
  }

  get clustered(): boolean {
    return this.hub.members.size > 1;
  }

  publish(event: BusEvent): void {
    if (this.hub.members.size < 2) return;
    const envelope: BusEnvelope = { node: this.node, instance: this.instance, event };
    // a copy, as a serialized message would be: no listener shares objects with the sender
    const text = JSON.stringify(envelope);
    setImmediate(() => {
      for (const member of this.hub.members) if (member !== this) member.receive(JSON.parse(text) as BusEnvelope);
    });
  }

  subscribe(listener: BusListener): void {
    this.listeners.push(listener);
  }

  onGap(): void {
    // nothing is ever lost in process
  }

  private receive(envelope: BusEnvelope): void {
    for (const listener of this.listeners) listener(envelope);
  }

  async close(): Promise<void> {
    this.hub.members.delete(this);
  }
}
