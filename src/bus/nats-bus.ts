import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { Bus, BusEnvelope, BusEvent, BusListener } from './types.js';

export interface NatsBusOptions {
  /** nats://host:port (several comma-separated servers of one NATS cluster may be given). */
  url: string;
  /** Subject prefix, so several Borealis clusters can share one NATS. */
  subjectPrefix: string;
  node: number;
}

/**
 * The bus over NATS core publish/subscribe: one subject every node subscribes to, at most once
 * (NATS keeps nothing for a node that is away). Gaps (a dropped and restored connection) are
 * reported so the node catches up from the store.
 */
export class NatsBus implements Bus {
  readonly clustered = true;
  readonly instance = randomBytes(6).toString('hex');
  private readonly listeners: BusListener[] = [];
  private readonly gapListeners: ((since: number) => void)[] = [];
  private lostAt = 0;
  private readonly subject: string;
  private isConnected = true;

  private constructor(
    private readonly nc: NatsConnection,
    readonly node: number,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.subject = `${prefix}.events`;
  }

  static async open(options: NatsBusOptions, logger: Logger): Promise<NatsBus> {
    const nc = await connect({
      servers: options.url.split(',').map((s) => s.trim()),
      name: `borealis-node-${options.node}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      pingInterval: 10_000,
    });
    const bus = new NatsBus(nc, options.node, options.subjectPrefix, logger.child({ component: 'bus' }));
    bus.listen();
    return bus;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  private listen(): void {
    const sub = this.nc.subscribe(this.subject);
    void (async () => {
      for await (const msg of sub) {
        let envelope: BusEnvelope;
        try {
          envelope = JSON.parse(Buffer.from(msg.data).toString('utf8')) as BusEnvelope;
        } catch {
          continue; // not ours
        }
        if (envelope.instance === this.instance || typeof envelope.event !== 'object' || envelope.event === null) continue;
        for (const listener of this.listeners) {
          try {
            listener(envelope);
          } catch (err) {
            this.logger.error({ err, type: envelope.event.type }, 'a bus event handler failed');
          }
        }
      }
    })();
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === 'disconnect') {
          if (this.isConnected) this.lostAt = Date.now();
          this.isConnected = false;
          this.logger.warn({ server: status.data }, 'lost the bus; will catch up from the store when back');
        } else if (status.type === 'reconnect') {
          this.isConnected = true;
          this.logger.info({ server: status.data }, 'bus reconnected; catching up from the store');
          for (const listener of this.gapListeners) listener(this.lostAt || Date.now());
        } else if (status.type === 'error') {
          this.logger.warn({ err: status.data }, 'bus error');
        }
      }
    })();
  }

  publish(event: BusEvent): void {
    if (this.nc.isClosed()) return;
    const envelope: BusEnvelope = { node: this.node, instance: this.instance, event };
    try {
      this.nc.publish(this.subject, Buffer.from(JSON.stringify(envelope)));
    } catch (err) {
      this.logger.warn({ err, type: event.type }, 'a bus event was not sent (nodes catch up from the store)');
    }
  }

  subscribe(listener: BusListener): void {
    this.listeners.push(listener);
  }

  onGap(listener: (since: number) => void): void {
    this.gapListeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain().catch(() => this.nc.close());
  }
}
