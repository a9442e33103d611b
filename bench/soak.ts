import { existsSync, statSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { BorealisClient, type WebSocketConstructor } from '../sdk/src/index.js';
import { post, registerDevices } from './devices.js';
import { GC_HOOK_ARGS, fmt, mib, rssOf, scrapeMetrics, settledMemory, sleep, startBenchServer, type BenchServer } from './lib.js';

/**
 * Soak: steady pushes, acks, clicks and reconnects for a few minutes against a server whose
 * retention is shortened so that rows are deleted during the run; samples the server's RSS,
 * heap and database size. Once retention applies, all of them should stay flat.
 *
 * BENCH_SOAK_MINUTES (default 5), BENCH_SOAK_RATE pushes/s (100), BENCH_SOAK_DEVICES (1000),
 * BENCH_SOAK_SAMPLE_SECONDS (15). BENCH_SOAK_HEAP=1 also writes heap snapshots of the server
 * (SIGUSR1, into the bench's working directory) after warm-up and at the end.
 */

const TTL_SECONDS = 60;
/** Retention of the run: a push's rows go 30 s after its time to live, sweeps every 10 s. */
const RETENTION = { pushSeconds: 30, cidSeconds: 30, callbackSeconds: 30, intervalSeconds: 10, batchRows: 1000 };
const GROUPS = 10;
/** Share of devices that never connect: their inboxes fill, expire and are swept. */
const OFFLINE_SHARE = 0.1;
const CLICK_SHARE = 0.1;
/** Share of connected devices that drop and reconnect each second. */
const RECONNECT_SHARE = 0.01;
const MAX_IN_FLIGHT = 64;

interface Sample {
  t: number;
  pushes: number;
  rss: number;
  heap: number;
  db: number;
  received: number;
}

function dbBytes(dir: string): number {
  const file = join(dir, 'borealis.db');
  let n = 0;
  for (const f of [file, `${file}-wal`]) if (existsSync(f)) n += statSync(f).size;
  return n;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export async function benchSoak(): Promise<string[]> {
  const minutes = Number(process.env.BENCH_SOAK_MINUTES ?? 5);
  const rate = Number(process.env.BENCH_SOAK_RATE ?? 100);
  const deviceCount = Number(process.env.BENCH_SOAK_DEVICES ?? 1000);
  const sampleMs = Number(process.env.BENCH_SOAK_SAMPLE_SECONDS ?? 15) * 1000;
  const heapSnapshots = process.env.BENCH_SOAK_HEAP === '1';
  const server: BenchServer = await startBenchServer(
    {
      store: { synchronous: 'normal' },
      limits: { registrationsPerWindow: 0, registrationsPerAddress: 0 },
      gateway: { heartbeatSeconds: 3600 },
      retention: RETENTION,
    },
    [...GC_HOOK_ARGS, '--heapsnapshot-signal=SIGUSR1'],
  );
  const out: string[] = [];
  const clients: BorealisClient[] = [];
  let stopped = false;
  try {
    const { devices } = await registerDevices(server.url, server.appKey, deviceCount);
    const auth = { authorization: 'Basic ' + Buffer.from(`${server.appKey}:${server.masterSecret}`).toString('base64') };
    const agent = new Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });
    // tags: group_0 .. group_9, set through the Device API
    for (let i = 0; i < devices.length; i++) {
      const body = JSON.stringify({ tags: { add: [`group_${i % GROUPS}`] } });
      const res = await post(agent, `${server.url}/v3/devices/${devices[i]!.rid}`, body, auth);
      if (res.status !== 200) throw new Error(`tagging failed: ${res.status} ${res.body}`);
    }
    let received = 0;
    const online = devices.slice(Math.floor(devices.length * OFFLINE_SHARE));
    for (const d of online) {
      const c = new BorealisClient({
        server: server.url,
        appKey: server.appKey,
        platform: 'android',
        state: { registrationId: d.rid, deviceSecret: d.secret, seen: [] },
        WebSocket: WebSocket as unknown as WebSocketConstructor,
        reconnect: { minDelayMs: 200, maxDelayMs: 2000 },
      });
      c.on('push', (p) => {
        received++;
        if (Math.random() < CLICK_SHARE) c.click(p.msgId);
      });
      c.on('error', () => {});
      clients.push(c);
    }
    for (let i = 0; i < clients.length; i += 100) await Promise.all(clients.slice(i, i + 100).map((c) => c.connect()));

    let pushes = 0;
    let inFlight = 0;
    let failed = 0;
    const sendOne = () => {
      if (inFlight >= MAX_IN_FLIGHT) return;
      const r = Math.random();
      // mostly one device (inboxed), some groups of 100 (inboxed, wider), now and then everyone
      const audience =
        r < 0.85
          ? { registration_id: [devices[Math.floor(Math.random() * devices.length)]!.rid] }
          : r < 0.995
            ? { tag: [`group_${Math.floor(Math.random() * GROUPS)}`] }
            : 'all';
      const body = JSON.stringify({ platform: 'all', audience, notification: { alert: `soak ${pushes}` }, options: { time_to_live: TTL_SECONDS } });
      inFlight++;
      post(agent, `${server.url}/v3/push`, body, auth)
        .then((res) => (res.status === 200 ? pushes++ : failed++))
        .catch(() => failed++)
        .finally(() => inFlight--);
    };
    const pushTimer = setInterval(() => {
      for (let i = 0; i < rate / 10; i++) sendOne();
    }, 100);
    const churnTimer = setInterval(() => {
      for (let i = 0; i < clients.length * RECONNECT_SHARE; i++) {
        const c = clients[Math.floor(Math.random() * clients.length)]!;
        void c.close().then(() => (stopped ? undefined : sleep(500).then(() => c.connect().catch(() => {}))));
      }
    }, 1000);

    const samples: Sample[] = [];
    const started = Date.now();
    const end = started + minutes * 60_000;
    const warmupMs = Math.min((TTL_SECONDS + RETENTION.pushSeconds + 2 * RETENTION.intervalSeconds) * 1000, (end - started) / 2);
    let snapped = false;
    while (Date.now() < end) {
      await sleep(Math.min(sampleMs, Math.max(0, end - Date.now())));
      const m = await scrapeMetrics(server.url, ['borealis_nodejs_heap_size_used_bytes']);
      samples.push({
        t: (Date.now() - started) / 1000,
        pushes,
        rss: rssOf(server.child.pid!),
        heap: m.borealis_nodejs_heap_size_used_bytes!,
        db: dbBytes(server.dir),
        received,
      });
      if (heapSnapshots && !snapped && Date.now() - started >= warmupMs) {
        snapped = true;
        server.child.kill('SIGUSR1');
      }
    }
    clearInterval(pushTimer);
    clearInterval(churnTimer);
    stopped = true;
    if (heapSnapshots) server.child.kill('SIGUSR1');
    const settled = await settledMemory(server);
    agent.destroy();

    out.push(
      `${deviceCount} devices (${fmt(OFFLINE_SHARE * 100)} % never online, ${fmt(RECONNECT_SHARE * 100)} % of the others reconnecting each second, ` +
        `${fmt(CLICK_SHARE * 100)} % of pushes clicked), ${rate} pushes/s for ${minutes} min (time_to_live ${TTL_SECONDS} s; ` +
        `85 % to one device, 14.5 % to a tag of ${deviceCount / GROUPS}, 0.5 % to all); retention: rows deleted ` +
        `${RETENTION.pushSeconds} s after the time to live, sweeps every ${RETENTION.intervalSeconds} s. ${failed} pushes failed.`,
      '',
      '| t (s) | pushes accepted | received by devices | server RSS (MiB) | heap used (MiB) | database + WAL (MiB) |',
      '|---:|---:|---:|---:|---:|---:|',
    );
    for (const s of samples) out.push(`| ${fmt(s.t)} | ${fmt(s.pushes)} | ${fmt(s.received)} | ${mib(s.rss)} | ${mib(s.heap)} | ${mib(s.db)} |`);
    const steady = samples.filter((s) => s.t * 1000 >= warmupMs);
    if (steady.length >= 3) {
      const xs = steady.map((s) => s.t / 60);
      const drift = (key: 'rss' | 'heap' | 'db') => {
        const ys = steady.map((s) => s[key]);
        const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
        return `${fmt((slope(xs, ys) / mean) * 100, 2)} %/min (${fmt(slope(xs, ys) / 2 ** 20, 2)} MiB/min)`;
      };
      out.push(
        '',
        `After the warm-up (${fmt(warmupMs / 1000)} s: one time to live, the retention and two sweeps), trend of the least-squares line, relative to the mean: ` +
          `RSS ${drift('rss')}, heap ${drift('heap')}, database ${drift('db')}.`,
      );
    }
    out.push(`After the load, with a full GC: RSS ${mib(settled.rss)} MiB, heap used ${mib(settled.heapUsed)} MiB, external ${mib(settled.external)} MiB.`, '');
  } finally {
    stopped = true;
    await Promise.all(clients.map((c) => c.close()));
    await server.stop();
  }
  return out;
}
