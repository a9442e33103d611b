import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { registerDevices } from './devices.js';
import { generator, load, type LoadResult } from './http-load.js';
import { fmt, startBenchServer } from './lib.js';

/**
 * Accepted pushes per second (registration_id audience) through the full path: HTTP, auth,
 * rate limiter, JSON parse, validation, planning, durable group-committed insert, fan-out
 * bookkeeping. The ceiling is GET /healthz on the same server in the same run (HTTP plus one
 * store read). A bare Fastify app, in the same run, shows what HTTP alone costs for a GET and
 * for a no-op POST of the same push body.
 */

const BARE_SERVER = fileURLToPath(new URL('./bare-http-server.js', import.meta.url));
const CONNECTIONS = 50;

/** The audience names registered devices: pushes to unknown ids are refused (1011) and would measure nothing. */
const pushBody = (registrationIds: string[]) =>
  JSON.stringify({
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

function table(rows: LoadResult[], ceiling: LoadResult): string[] {
  const lines = [
    '| route | req/s | p50 ms | p99 ms | failed | server CPU µs/req | ratio to ceiling (req/s) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.label} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.failed} | ${fmt(r.cpuPerRequest, 1)} | ${fmt(r.rps / ceiling.rps, 2)} |`,
    );
  }
  return lines;
}

async function bareFastify(body: string, seconds: number): Promise<LoadResult[]> {
  const child = fork(BARE_SERVER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (m: { url: string }) => resolve(m.url));
      child.once('exit', (code) => reject(new Error(`bare server exited ${code}`)));
    });
    const headers = { 'content-type': 'application/json' };
    const common = { headers, seconds, connections: CONNECTIONS, serverPid: child.pid! };
    await load({ ...common, label: 'warm-up', url: url + '/post', method: 'POST', body });
    const get = await load({ ...common, label: 'bare Fastify GET', url: url + '/get', method: 'GET' });
    const post = await load({ ...common, label: 'bare Fastify POST, same body', url: url + '/post', method: 'POST', body });
    return [get, post];
  } finally {
    child.disconnect();
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
  }
}

export async function benchPushAccept(seconds: number): Promise<string[]> {
  const lines: string[] = [
    `Load generator: ${generator}, ${CONNECTIONS} connections, ${seconds} s per route.`,
    '',
  ];
  let body = '';
  for (const synchronous of ['full', 'normal'] as const) {
    const server = await startBenchServer({ store: { synchronous } });
    try {
      const { devices } = await registerDevices(server.url, server.appKey, 3, 3);
      body = pushBody(devices.map((d) => d.rid));
      const headers = {
        authorization: 'Basic ' + Buffer.from(`${server.appKey}:${server.masterSecret}`).toString('base64'),
        'content-type': 'application/json',
      };
      const common = { headers, seconds, connections: CONNECTIONS, serverPid: server.child.pid! };
      // warm-up: JIT and SQLite page cache
      await load({ ...common, label: 'warm-up', url: server.url + '/v3/push', method: 'POST', body, seconds: 2 });
      const ceiling = await load({ ...common, label: 'GET /healthz', url: server.url + '/healthz', method: 'GET' });
      const push = await load({ ...common, label: 'POST /v3/push', url: server.url + '/v3/push', method: 'POST', body });
      const validate = await load({ ...common, label: 'POST /v3/push/validate', url: server.url + '/v3/push/validate', method: 'POST', body });
      lines.push(`store.synchronous = ${synchronous}`, '');
      lines.push(...table([ceiling, push, validate], ceiling), '');
    } finally {
      await server.stop();
    }
  }
  const [get, post] = await bareFastify(body, seconds);
  lines.push('Reference, same generator and body: a bare Fastify app with no-op routes', '');
  lines.push(...table([get!, post!], get!), '');
  return lines;
}
