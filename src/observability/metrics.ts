import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one server instance, exposed at GET /metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'route'>;
  readonly pushesAccepted: Counter<'source'>;
  readonly pushesRejected: Counter<'code'>;
  readonly relayResults: Counter<'channel' | 'result'>;

  constructor() {
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
}
