import type { Bus, BusEnvelope, PresenceEntry } from './types.js';

/** A device connection as presence needs it (the gateway's sessions satisfy this). */
export interface PresentSession {
  readonly appKey: string;
  readonly num: number;
  readonly connectedAt: number;
  close(code: number, reason: string): void;
}

export interface PresenceOptions {
  /** How often this node says it lives (and flushes nothing else). */
  aliveMs: number;
  /** A node silent this long is gone: its devices count as offline. */
  expireMs: number;
  /** Presence changes are batched into one event per this many ms. */
  batchMs: number;
}

const DEFAULTS: PresenceOptions = { aliveMs: 5000, expireMs: 15_000, batchMs: 50 };
/** Devices per snapshot event, so no message gets near NATS's 1 MB default limit. */
const SNAPSHOT_CHUNK = 5000;
/**
 * A connection here is closed for a newer one of the same device on another node only when
 * that one is newer by this much: the two times come from two clocks.
 */
const TAKEOVER_MARGIN_MS = 1000;
/**
 * Close code for it: "going away, reconnect" rather than the gateway's final `replaced`, so
 * that a wrong call (clocks far apart) costs the device one reconnect, never its connection.
 */
const GOING_AWAY = 1001;

interface RemoteConnection {
  instance: string;
  connectedAt: number;
}

interface NodeState {
  node: number;
  lastSeen: number;
}

/**
 * Which node holds which device, cluster-wide: this node's own connections (from the gateway's
 * hooks) and the others' (from the bus). Soft state: each node announces its changes, says it
 * lives every few seconds and sends everything again when a node asks (on joining, or after a
 * gap); the devices of a node silent for `expireMs` count as offline. A device that connects
 * here while an older connection of it lives on another node makes that node close it.
 */
export class ClusterPresence {
  private readonly local = new Map<string, Map<number, PresentSession>>();
  private readonly remote = new Map<string, Map<number, RemoteConnection>>();
  private readonly nodes = new Map<string, NodeState>();
  private online: PresenceEntry[] = [];
  private offline: PresenceEntry[] = [];
  private batchTimer: NodeJS.Timeout | undefined;
  private aliveTimer: NodeJS.Timeout | undefined;
  private readonly options: PresenceOptions;

  constructor(
    private readonly bus: Bus,
    private readonly role: string,
    options: Partial<PresenceOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    bus.subscribe((e) => this.receive(e));
    bus.onGap(() => this.bus.publish({ type: 'presence.sync' }));
  }

  start(): void {
    this.bus.publish({ type: 'node.alive', role: this.role, connections: this.localCount() });
    this.bus.publish({ type: 'presence.sync' });
    this.aliveTimer = setInterval(() => {
      this.bus.publish({ type: 'node.alive', role: this.role, connections: this.localCount() });
      this.expireNodes(Date.now());
    }, this.options.aliveMs);
    this.aliveTimer.unref();
  }

  stop(): void {
    if (this.aliveTimer) clearInterval(this.aliveTimer);
    this.flush();
  }

  /** Gateway hook: a device authenticated here. */
  connected(session: PresentSession): void {
    let app = this.local.get(session.appKey);
    if (!app) this.local.set(session.appKey, (app = new Map()));
    app.set(session.num, session);
    this.queue(this.online, [session.appKey, session.num, session.connectedAt]);
  }

  /** Gateway hook: a device's connection here ended. */
  disconnected(session: PresentSession): void {
    const app = this.local.get(session.appKey);
    if (app?.get(session.num) !== session) return;
    app.delete(session.num);
    if (app.size === 0) this.local.delete(session.appKey);
    this.queue(this.offline, [session.appKey, session.num, session.connectedAt]);
  }

  /** Whether the device has a live connection to any node (vendor relays skip such devices). */
  isConnected(appKey: string, num: number): boolean {
    if (this.local.get(appKey)?.has(num)) return true;
    const r = this.remote.get(appKey)?.get(num);
    return r !== undefined && this.nodes.has(r.instance);
  }

  /** The node id holding the device, or undefined (offline). */
  nodeOf(appKey: string, num: number, self: number): number | undefined {
    if (this.local.get(appKey)?.has(num)) return self;
    const r = this.remote.get(appKey)?.get(num);
    return r === undefined ? undefined : this.nodes.get(r.instance)?.node;
  }

  /** Devices connected to other live nodes (for metrics and tests). */
  remoteCount(): number {
    let n = 0;
    for (const app of this.remote.values()) for (const r of app.values()) if (this.nodes.has(r.instance)) n++;
    return n;
  }

  /** Other nodes heard from recently, by node id. */
  liveNodes(): number[] {
    return [...this.nodes.values()].map((n) => n.node).sort((a, b) => a - b);
  }

  private localCount(): number {
    let n = 0;
    for (const app of this.local.values()) n += app.size;
    return n;
  }

  private queue(list: PresenceEntry[], entry: PresenceEntry): void {
    if (!this.bus.clustered) return;
    list.push(entry);
    this.batchTimer ??= setTimeout(() => this.flush(), this.options.batchMs);
  }

  private flush(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (this.online.length === 0 && this.offline.length === 0) return;
    this.bus.publish({ type: 'presence', online: this.online, offline: this.offline });
    this.online = [];
    this.offline = [];
  }

  private receive({ node, instance, event }: BusEnvelope): void {
    const now = Date.now();
    const known = this.nodes.get(instance);
    if (known) known.lastSeen = now;
    else if (event.type === 'node.alive' || event.type === 'presence') {
      this.nodes.set(instance, { node, lastSeen: now });
      // a new process under a node id we know: the old one is gone (restarted)
      for (const [other, state] of this.nodes) if (other !== instance && state.node === node) this.forget(other);
    }
    switch (event.type) {
      case 'presence':
        for (const [appKey, num, connectedAt] of event.offline) {
          const r = this.remote.get(appKey)?.get(num);
          if (r && r.instance === instance && r.connectedAt === connectedAt) this.remote.get(appKey)!.delete(num);
        }
        for (const [appKey, num, connectedAt] of event.online) this.remoteOnline(instance, appKey, num, connectedAt);
        break;
      case 'presence.sync':
        this.sendSnapshot();
        break;
      default:
        break;
    }
  }

  private remoteOnline(instance: string, appKey: string, num: number, connectedAt: number): void {
    let app = this.remote.get(appKey);
    if (!app) this.remote.set(appKey, (app = new Map()));
    const r = app.get(num);
    if (!r || r.connectedAt <= connectedAt) app.set(num, { instance, connectedAt });
    // the newer connection wins: an older one of the same device here is a leftover
    const mine = this.local.get(appKey)?.get(num);
    if (mine && mine.connectedAt + TAKEOVER_MARGIN_MS < connectedAt) mine.close(GOING_AWAY, 'replaced by a newer connection on another node');
  }

  private sendSnapshot(): void {
    let chunk: PresenceEntry[] = [];
    for (const app of this.local.values()) {
      for (const s of app.values()) {
        chunk.push([s.appKey, s.num, s.connectedAt]);
        if (chunk.length >= SNAPSHOT_CHUNK) {
          this.bus.publish({ type: 'presence', online: chunk, offline: [] });
          chunk = [];
        }
      }
    }
    this.bus.publish({ type: 'presence', online: chunk, offline: [] });
  }

  private expireNodes(now: number): void {
    for (const [instance, state] of this.nodes) if (now - state.lastSeen > this.options.expireMs) this.forget(instance);
  }

  /** Drops a node and the devices it held. */
  private forget(instance: string): void {
    this.nodes.delete(instance);
    for (const [appKey, app] of this.remote) {
      for (const [num, r] of app) if (r.instance === instance) app.delete(num);
      if (app.size === 0) this.remote.delete(appKey);
    }
  }
}
