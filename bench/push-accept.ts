import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { registerDevices } from './devices.js';
import { generator, load, type LoadResult } from './http-load.js';
import { GC_HOOK_ARGS, fmt, median, settledMemory, startBenchServer } from './lib.js';

/**
 * Accepted pushes per second (registration_id audience) through the full path: HTTP, auth,
 * rate limiter, JSON parse, validation, planning, durable group-committed insert, fan-out
 * bookkeeping. The ceiling is GET /healthz on the same server in the same run (HTTP plus one
 * store read). A bare Fastify app, in the same run, shows what HTTP alone costs for a GET and
 * for a no-op POST of the same push body.
 */

const BARE_SERVER = fileURLToPath(new URL('./bare-http-server.js', import.meta.url));
const CONNECTIONS = 50;
/** Each route runs once per round, in turn; the machine's noise drifts, so ratios are taken within a round. */
const ROUNDS = 5;

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

/** A route over all rounds: medians of the LoadResult figures (failures summed). */
interface Summary extends LoadResult {
  /** Median over the rounds of this route's req/s over the ceiling's in the same round. */
  ratio: number;
  /** The per-round ratios. */
  ratios: number[];
}

/** Runs every route once per round, in order; the first route is the ceiling. */
async function rounds(routes: (() => Promise<LoadResult>)[]): Promise<Summary[]> {
  const runs: LoadResult[][] = routes.map(() => []);
  for (let r = 0; r < ROUNDS; r++) for (let i = 0; i < routes.length; i++) runs[i]!.push(await routes[i]!());
  const ceiling = runs[0]!;
  return runs.map((rs) => {
    const ratios = rs.map((x, r) => x.rps / ceiling[r]!.rps);
    return {
      label: rs[0]!.label,
      rps: median(rs.map((x) => x.rps)),
      p50: median(rs.map((x) => x.p50)),
      p99: median(rs.map((x) => x.p99)),
      failed: rs.reduce((n, x) => n + x.failed, 0),
      cpuPerRequest: median(rs.map((x) => x.cpuPerRequest)),
      ratio: median(ratios),
      ratios,
    };
  });
}

function table(rows: Summary[]): string[] {
  const lines = [
    '| route | req/s | p50 ms | p99 ms | failed | server CPU µs/req | ratio to ceiling (req/s), per round | median ratio |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.label} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.failed} | ${fmt(r.cpuPerRequest, 1)} | ` +
        `${r.ratios.map((x) => fmt(x, 2)).join(' / ')} | **${fmt(r.ratio, 2)}** |`,
    );
  }
  return lines;
}

async function bareFastify(body: string, seconds: number): Promise<Summary[]> {
  const child = fork(BARE_SERVER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (m: { url: string }) => resolve(m.url));
      child.once('exit', (code) => reject(new Error(`bare server exited ${code}`)));
    });
    const headers = { 'content-type': 'application/json' };
    const common = { headers, seconds, connections: CONNECTIONS, serverPid: child.pid! };
    await load({ ...common, label: 'warm-up', url: url + '/post', method: 'POST', body, seconds: 2 });
    return await rounds([
      () => load({ ...common, label: 'bare Fastify GET', url: url + '/get', method: 'GET' }),
      () => load({ ...common, label: 'bare Fastify POST, same body', url: url + '/post', method: 'POST', body }),
    ]);
  } finally {
    child.disconnect();
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
  }
}

export async function benchPushAccept(seconds: number): Promise<string[]> {
  const lines: string[] = [
    `Load generator: ${generator}, ${CONNECTIONS} connections, ${seconds} s per route and round, ${ROUNDS} rounds.`,
    '',
  ];
  let body = '';
  for (const synchronous of ['full', 'normal'] as const) {
    const server = await startBenchServer({ store: { synchronous } }, GC_HOOK_ARGS);
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
      // Memory: pushes to offline devices wait in the store, so the heap should not grow with them.
      const memBefore = await settledMemory(server);
      const summaries = await rounds([
        () => load({ ...common, label: 'GET /healthz', url: server.url + '/healthz', method: 'GET' }),
        () => load({ ...common, label: 'POST /v3/push', url: server.url + '/v3/push', method: 'POST', body }),
        () => load({ ...common, label: 'POST /v3/push/validate', url: server.url + '/v3/push/validate', method: 'POST', body }),
      ]);
      const memAfter = await settledMemory(server);
      const accepted = summaries[1]!.rps * seconds * ROUNDS;
      lines.push(`store.synchronous = ${synchronous}`, '');
      lines.push(...table(summaries), '');
      lines.push(
        `Server memory after a full GC, before and after the rounds (about ${fmt(accepted)} pushes accepted, all to offline devices): ` +
          `V8 heap ${fmt(memBefore.heapUsed / 2 ** 20, 1)} → ${fmt(memAfter.heapUsed / 2 ** 20, 1)} MiB, ` +
          `RSS ${fmt(memBefore.rss / 2 ** 20)} → ${fmt(memAfter.rss / 2 ** 20)} MiB.`,
        '',
      );
    } finally {
      await server.stop();
    }
  }
  lines.push('Reference, same generator and body: a bare Fastify app with no-op routes', '');
  lines.push(...table(await bareFastify(body, seconds)), '');
  return lines;
}
