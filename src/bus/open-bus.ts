import type { Logger } from 'pino';
import { LocalBus } from './local-bus.js';
import type { Bus } from './types.js';

export interface BusConfig {
  /** Empty: this node alone (in-process bus). nats://host:port: the NATS bus. */
  url: string;
  subjectPrefix: string;
}

/** The bus `bus.url` names. */
export async function openBus(config: BusConfig, node: number, logger: Logger): Promise<Bus> {
  if (config.url === '') return new LocalBus(node);
  if (/^(nats|tls):\/\//.test(config.url)) {
    // loaded only when used: a single node never pays for the NATS client
    const { NatsBus } = await import('./nats-bus.js');
    return NatsBus.open({ url: config.url, subjectPrefix: config.subjectPrefix, node }, logger);
  }
  throw new Error(`bus.url must be empty or nats://host:port, not ${config.url}`);
}
