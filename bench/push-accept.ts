import autocannon from 'autocannon';
import { registerDevices } from './devices.js';
import { fmt, startBenchServer, type BenchServer } from './lib.js';

/**
 * Accepted pushes per second (registration_id audience) through the full path: HTTP, auth,
 * rate limiter, JSON parse, validation, cid-free accept, durable group-committed insert.
 * The ceiling is GET /healthz on the same server in the same run (HTTP plus one store read).
 */
export interface LoadResult {
  label: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** The audience names registered devices: pushes to unknown ids are refused (1011) and would measure nothing. */
const pushBody = (registrationIds: string[]) => JSON.stringify({
  platform: ['android', 'ios'],
  audience: { registration_id: registrationIds },
  notification: {
    alert: 'Your order has shipped',
    android: { title: 'Order update', builder_id: 1, extras: { order: '81234', kind: 'shipping' } },
    ios: { sound: 'default', badge: '+1', extras: { order: '81234', kind: 'shipping' } },
  },
  message: { msg_content: 'order 81234 shipped', content_type: 'text', extras: { order: '81234' } },
  options: { time_to_live: 3600, apns_production: false },
});

async function load(
  label: string,
  server: BenchServer,
  opts: { method: 'GET' | 'POST'; path: string; body?: string; seconds: number; connections: number },
): Promise<LoadResult> {
  const auth = 'Basic ' + Buffer.from(`${server.appKey}:${server.masterSecret}`).toString('base64');
  const r = await autocannon({
    url: server.url + opts.path,
    method: opts.method,
    connections: opts.connections,
    pipelining: 1,
    duration: opts.seconds,
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: opts.body,
  });
  return {
    label,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

export async function benchPushAccept(seconds: number): Promise<string[]> {
  const lines: string[] = [];
  for (const synchronous of ['full', 'normal'] as const) {
    const server = await startBenchServer({ store: { synchronous } });
    try {
      const { devices } = await registerDevices(server.url, server.appKey, 3, 3);
      const body = pushBody(devices.map((d) => d.rid));
      const connections = 50;
      // warm-up: JIT and SQLite page cache
      await load('warm-up', server, { method: 'POST', path: '/v3/push', body, seconds: 2, connections });
      const ceiling = await load('GET /healthz', server, { method: 'GET', path: '/healthz', seconds, connections });
      const push = await load('POST /v3/push', server, { method: 'POST', path: '/v3/push', body, seconds, connections });
      const validate = await load('POST /v3/push/validate', server, {
        method: 'POST',
        path: '/v3/push/validate',
        body,
        seconds,
        connections,
      });
      lines.push(`store.synchronous = ${synchronous}, ${connections} connections, ${seconds} s each`);
      lines.push('| route | req/s | p50 ms | p99 ms | non-2xx | ratio to ceiling |');
      lines.push('|---|---|---|---|---|---|');
      for (const r of [ceiling, push, validate]) {
        lines.push(`| ${r.label} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.non2xx + r.errors} | ${fmt(r.rps / ceiling.rps, 2)} |`);
      }
      lines.push('');
    } finally {
      await server.stop();
    }
  }
  return lines;
}
