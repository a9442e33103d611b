import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StoreStats } from '../store/types.js';

/** Where the gauges read their values, at scrape time. */
export interface GaugeSources {
  connectedDevices(): number;
  livePushes(): number;
  storeStats(): Promise<StoreStats>;
}

/**
 * Prometheus metrics of one server instance, exposed at GET /metrics. Counters are bumped on
 * the request path; gauges are read only when scraped (collect callbacks), so they cost the
 * hot path nothing. The default Node metrics include event-loop lag
 * (borealis_nodejs_eventloop_lag_seconds and its percentiles).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'route'>;
  readonly pushesAccepted: Counter<'source'>;
  readonly pushesRejected: Counter<'code'>;
  readonly relayResults: Counter<'channel' | 'result'>;
  private watching = false;

  /** `labels` go on every series (node id and role), so a cluster's nodes are told apart. */
  constructor(labels: Record<string, string> = {}) {
    this.registry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: this.registry, prefix: 'borealis_' });
    this.httpRequests = new Counter({
      name: 'borealis_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: 'borealis_http_request_duration_seconds',
      help: 'Time to answer an HTTP request',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [this.registry],
    });
    this.pushesAccepted = new Counter({
      name: 'borealis_pushes_accepted_total',
      help: 'Pushes durably accepted, by API family',
      labelNames: ['source'],
      registers: [this.registry],
    });
    this.pushesRejected = new Counter({
      name: 'borealis_requests_rejected_total',
      help: 'Requests refused with an API error, by error code',
      labelNames: ['code'],
      registers: [this.registry],
    });
    this.relayResults = new Counter({
      name: 'borealis_relay_results_total',
      help: 'Vendor relay answers per device, by channel and result (sent, dead, failed, retry)',
      labelNames: ['channel', 'result'],
      registers: [this.registry],
    });
  }

  relayResult(channel: string, result: string): void {
    this.relayResults.inc({ channel, result });
  }

  /** Registers the gauges of a running node (once). */
  watch(sources: GaugeSources): void {
    if (this.watching) return;
    this.watching = true;
    const registers = [this.registry];
    new Gauge({
      name: 'borealis_connected_devices',
      help: 'Device connections open on the gateway',
      registers,
      collect() {
        this.set(sources.connectedDevices());
      },
    });
    new Gauge({
      name: 'borealis_live_pushes',
      help: 'Pushes held in memory for delivery (wide pushes until they expire, narrow ones while being delivered)',
      registers,
      collect() {
        this.set(sources.livePushes());
      },
    });
    // The three store figures come from one read per scrape, shared by their gauges.
    let pending: Promise<StoreStats> | undefined;
    const stats = () => {
      pending ??= sources.storeStats().finally(() => setImmediate(() => (pending = undefined)));
      return pending;
    };
    const storeGauge = (name: string, help: string, pick: (s: StoreStats) => number) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          // a failed read keeps the last value rather than failing the whole scrape
          const read = await stats().catch(() => undefined);
          if (read) this.set(pick(read));
        },
      });
    storeGauge('borealis_database_bytes', 'Size of the SQLite database on disk, write-ahead log included', (s) => s.databaseBytes);
    storeGauge('borealis_callback_queue_batches', 'Receipt callback batches queued for sending', (s) => s.callbackQueue);
    storeGauge('borealis_inbox_entries', 'Inbox entries: pushes waiting in the store for offline devices', (s) => s.inboxEntries);
  }
}
