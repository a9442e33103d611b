import type { DevicePlatform } from '../domain/device.js';

/**
 * What nodes of one cluster tell each other. Every event is a hint that something already
 * durable in the store happened (or, for presence and counters, soft state that expires):
 * a node that misses some catches up from the store, so the bus may lose messages.
 */
export type BusEvent =
  /** A push was committed; nodes fan it out to their own connections (an override is a push with overrideMsgId). */
  | { type: 'push.accepted'; appKey: string; msgId: string; inboxed: boolean }
  /** A push was revoked; nodes tell the holders connected to them to withdraw it. */
  | { type: 'push.revoked'; appKey: string; msgId: string }
  /** A paced push released targets numbered (after, through]; nodes send it to theirs among them. */
  | { type: 'push.released'; appKey: string; msgId: string; after: number; through: number }
  /** New devices: every node adds them to its audience index. */
  | { type: 'device.registered'; appKey: string; devices: [num: number, platform: DevicePlatform][] }
  /** Tag changes: [device number, tags added, tags removed]. */
  | { type: 'device.tags'; appKey: string; changes: [num: number, add: string[], remove: string[]][] }
  /** Presence: devices that connected to (online) or left (offline) the sending node. */
  | { type: 'presence'; online: PresenceEntry[]; offline: PresenceEntry[] }
  /** Asks every node to send its whole presence again (a node that joined or reconnected). */
  | { type: 'presence.sync' }
  /** Sent every few seconds: the node lives; nodes silent for long are forgotten with their presence. */
  | { type: 'node.alive'; role: string; connections: number }
  /** Counter increments since the last report: [key, window start, amount]. */
  | { type: 'counters'; deltas: [key: string, windowStart: number, amount: number][] };

/** One device connection: which app, which device number, since when (a newer one wins). */
export type PresenceEntry = [appKey: string, num: number, connectedAt: number];

/** An event as it travels: who sent it. */
export interface BusEnvelope {
  /** The sender's node id (0..15, also part of its msg_ids). */
  node: number;
  /** Random per process: tells a restarted node, or two misconfigured with one id, apart. */
  instance: string;
  event: BusEvent;
}

export type BusListener = (envelope: BusEnvelope) => void;

/**
 * The cluster's message bus: at-most-once broadcast of events to every other node. Two
 * implementations: in-process (one node, the default; also several nodes in one process for
 * tests) and NATS (`bus.url`).
 */
export interface Bus {
  /** Whether other nodes may exist (false for the single-node local bus: nothing to share). */
  readonly clustered: boolean;
  readonly node: number;
  readonly instance: string;
  /** Sends to every other node; never throws (a lost event is caught up from the store). */
  publish(event: BusEvent): void;
  /** Hears events of other nodes (never its own). */
  subscribe(listener: BusListener): void;
  /**
   * Hears that events sent from `since` (epoch ms) on may have been lost (the connection to
   * the bus dropped and came back): the node then catches up from the store.
   */
  onGap(listener: (since: number) => void): void;
  /** True while connected (the local bus always is). */
  readonly connected: boolean;
  close(): Promise<void>;
}
