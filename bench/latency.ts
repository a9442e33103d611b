import { fork, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { cpuSeconds } from './cpu-watch.js';
import { post, registerDevices } from './devices.js';
import { gatewayUrl } from './setup.js';
import { SOURCE_ADDRESSES } from './fleet.js';
import type { FromLatencyWorker, ToLatencyWorker } from './latency-worker.js';
import { GC_HOOK_ARGS, fmt, mib, now, percentile, rssOf, settledMemory, sleep, startBenchServer } from './lib.js';

/**
 * REST → device latency at fixed push rates: 5,000 connected devices (raw `ws` clients in two
 * processes, acking every push), one push per request to one device, sent open-loop at the
 * rate asked (a request's clock starts at its scheduled time, so a stalled server shows as
 * latency, not as fewer requests), `store.synchronous = full`. Reported per 5 s window by
 * send time: the HTTP answer and the arrival at the device, loss, duplicates and server RSS.
 *
 * BENCH_LATENCY_SECONDS (default 60), BENCH_LATENCY_RATES (pushes/s, default "500,2000"),
 * BENCH_LATENCY_DEVICES (5000).
 */

const WORKER = fileURLToPath(new URL('./latency-worker.js', import.meta.url));
const WORKERS = 2;
const WINDOW_MS = 5_000;
const WARM_UP_MS = 5_000;
/** Requests in flight at most; beyond it requests wait in the agent (and their wait counts). */
const SOCKETS = 256;

interface Sent {
  /** Scheduled send time. */
  t0: number;
  /** Answer time, or 0 while none came. */
  answered: number;
  msgId: string | null;
}

class LatencyWorker {
  private waiting = new Map<string, (m: FromLatencyWorker) => void>();

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: FromLatencyWorker) => {
      const resolve = this.waiting.get(m.ev);
      this.waiting.delete(m.ev);
      resolve?.(m);
    });
  }

  ask<E extends FromLatencyWorker['ev']>(m: ToLatencyWorker, ev: E): Promise<Extract<FromLatencyWorker, { ev: E }>> {
    return new Promise((resolve) => {
      this.waiting.set(ev, resolve as (m: FromLatencyWorker) => void);
      this.child.send(m);
    });
  }
}

/** The server's full (major) collections so far, their summed pause, and the heap V8 holds now. */
interface GcFigures {
  majorCount: number;
  majorSeconds: number;
  heapTotal: number;
}

async function gcFigures(url: string): Promise<GcFigures> {
  const text = await (await fetch(url + '/metrics')).text();
  const sample = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  return {
    majorCount: sample(/^borealis_nodejs_gc_duration_seconds_count\{[^}]*kind="major"[^}]*\} (\d+)/m),
    majorSeconds: sample(/^borealis_nodejs_gc_duration_seconds_sum\{[^}]*kind="major"[^}]*\} ([0-9.e+-]+)/m),
    heapTotal: sample(/^borealis_nodejs_heap_size_total_bytes(?:\{[^}]*\})? ([0-9.e+-]+)/m),
  };
}

interface Window {
  from: number;
  sent: number;
  failed: number;
  lost: number;
  http: number[];
  device: number[];
  rss: number;
}

function windowRow(w: Window): string {
  const p = (xs: number[], q: number) => fmt(percentile(xs, q), 1);
  return (
    `| ${fmt(w.from / 1000)}-${fmt((w.from + WINDOW_MS) / 1000)} | ${fmt(w.sent)} | ${w.failed} | ${w.lost} | ` +
    `${p(w.http, 50)} / ${p(w.http, 99)} / ${p(w.http, 100)} | ` +
    `${p(w.device, 50)} / ${p(w.device, 95)} / ${p(w.device, 99)} / ${p(w.device, 100)} | ${mib(w.rss)} |`
  );
}

async function runRate(rate: number, seconds: number, deviceCount: number): Promise<string[]> {
  const server = await startBenchServer(
    { store: { synchronous: 'full' }, limits: { registrationsPerWindow: 0, registrationsPerAddress: 0 }, gateway: { heartbeatSeconds: 3600 } },
    GC_HOOK_ARGS,
  );
  const workers = Array.from({ length: WORKERS }, () => new LatencyWorker(fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] })));
  const agent = new Agent({ keepAlive: true, maxSockets: SOCKETS });
  try {
    const { devices } = await registerDevices(server.url, server.appKey, deviceCount);
    const wsUrl = gatewayUrl(server.url);
    const per = Math.ceil(devices.length / WORKERS);
    const connected = await Promise.all(
      workers.map((w, i) =>
        w.ask({ cmd: 'connect', url: wsUrl, devices: devices.slice(i * per, (i + 1) * per), address: SOURCE_ADDRESSES[i]! }, 'connected'),
      ),
    );
    const ready = connected.reduce((n, c) => n + c.ready, 0);
    if (ready === 0) throw new Error('no device connected');
    const auth = { authorization: 'Basic ' + Buffer.from(`${server.appKey}:${server.masterSecret}`).toString('base64') };
    // only devices that are connected: a push to one that is not would wait in its inbox
    const bodies = connected.flatMap((c) => c.readyIds).map((rid) =>
      JSON.stringify({
        platform: 'all',
        audience: { registration_id: [rid] },
        notification: { alert: 'Your order has shipped', android: { title: 'Order update', extras: { order: '81234' } }, ios: { sound: 'default', extras: { order: '81234' } } },
      }),
    );

    const total = Math.round(rate * seconds);
    const sent: Sent[] = [];
    const rss: number[] = [];
    const start = now() + 100;
    const gcBefore = await gcFigures(server.url);
    const heapTotals: number[] = [];
    const cpuBefore = cpuSeconds(server.child.pid!);
    let failed = 0;
    let answered = 0;
    const sendOne = (i: number) => {
      const s: Sent = { t0: start + (i * 1000) / rate, answered: 0, msgId: null };
      sent.push(s);
      post(agent, server.url + '/v3/push', bodies[i % bodies.length]!, auth)
        .then((res) => {
          s.answered = now();
          if (res.status === 200) s.msgId = (JSON.parse(res.body) as { msg_id: string }).msg_id;
          else failed++;
        })
        .catch(() => {
          s.answered = now();
          failed++;
        })
        .finally(() => answered++);
    };
    // open loop: every tick sends what the schedule owes by now
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((now() - start) * rate) / 1000) + 1);
        while (sent.length < due) sendOne(sent.length);
        const win = Math.floor((now() - start) / WINDOW_MS);
        if (win >= rss.length && win > 0) {
          rss.push(rssOf(server.child.pid!));
          void gcFigures(server.url).then((g) => heapTotals.push(g.heapTotal), () => undefined);
        }
        if (sent.length >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 2);
    });
    const deadline = now() + 30_000;
    while (answered < total && now() < deadline) await sleep(50);
    rss.push(rssOf(server.child.pid!));
    const cpuPerPush = ((cpuSeconds(server.child.pid!) - cpuBefore) * 1e6) / total;
    const gcAfter = await gcFigures(server.url);
    heapTotals.push(gcAfter.heapTotal);
    // a server that fell behind still delivers after its last answer: collect until arrivals stop
    const accepted = sent.filter((s) => s.msgId !== null).length;
    const arrivals = new Map<string, number>();
    let duplicates = 0;
    const collectUntil = now() + 30_000;
    await sleep(3_000);
    for (;;) {
      let fresh = 0;
      for (const w of workers) {
        const got = await w.ask({ cmd: 'collect' }, 'arrivals');
        for (const [id, t] of got.arrivals) arrivals.set(id, t);
        fresh += got.arrivals.length;
        duplicates += got.duplicates;
      }
      if (fresh === 0 || arrivals.size >= accepted || now() > collectUntil) break;
      await sleep(2_000);
    }
    const settled = await settledMemory(server);

    const windows: Window[] = [];
    for (const s of sent) {
      const from = Math.floor((s.t0 - start) / WINDOW_MS) * WINDOW_MS;
      const wi = from / WINDOW_MS;
      const w = (windows[wi] ??= { from, sent: 0, failed: 0, lost: 0, http: [], device: [], rss: rss[wi] ?? NaN });
      w.sent++;
      if (s.msgId === null) {
        w.failed++;
        continue;
      }
      w.http.push(s.answered - s.t0);
      const t1 = arrivals.get(s.msgId);
      if (t1 === undefined) w.lost++;
      else w.device.push(t1 - s.t0);
    }
    const steady = windows.filter((w) => w.from >= WARM_UP_MS);
    const steadyDevice = steady.flatMap((w) => w.device);
    const steadyHttp = steady.flatMap((w) => w.http);
    const lost = windows.reduce((n, w) => n + w.lost, 0);
    const out = [
      `### ${fmt(rate)} pushes/s for ${seconds} s to ${fmt(ready)} connected devices`,
      '',
      `${fmt(total)} pushes sent, ${total - answered + failed} failed or unanswered, ${lost} lost (accepted, never arrived), ${duplicates} duplicates.`,
      '',
      '| window (s) | pushes | failed or unanswered | lost | HTTP answer ms p50 / p99 / max | at the device ms p50 / p95 / p99 / max | server RSS MiB |',
      '|---|---|---|---|---|---|---|',
      ...windows.map(windowRow),
      '',
      `After the ${WARM_UP_MS / 1000} s warm-up: at the device p50 ${fmt(percentile(steadyDevice, 50), 1)} ms, ` +
        `p99 **${fmt(percentile(steadyDevice, 99), 1)} ms**, max **${fmt(percentile(steadyDevice, 100), 1)} ms**; ` +
        `HTTP answer p99 ${fmt(percentile(steadyHttp, 99), 1)} ms, max ${fmt(percentile(steadyHttp, 100), 1)} ms. ` +
        `Server CPU ${fmt(cpuPerPush, 1)} µs per push (delivery and acks included). Server RSS at most ${mib(Math.max(...rss))} MiB during the load, ${mib(settled.rss)} MiB after it with a full GC ` +
        `(heap used ${mib(settled.heapUsed)} MiB). V8 heap held at most ${mib(Math.max(...heapTotals))} MiB during the load; ` +
        `${gcAfter.majorCount - gcBefore.majorCount} full collections, ${fmt((gcAfter.majorSeconds - gcBefore.majorSeconds) * 1000, 1)} ms of pauses in all.`,
      '',
    ];
    return out;
  } finally {
    agent.destroy();
    await Promise.all(workers.map((w) => w.ask({ cmd: 'close' }, 'closed')));
    for (const w of workers) w.child.disconnect();
    await server.stop();
  }
}

export async function benchLatency(): Promise<string[]> {
  const seconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 60);
  const rates = (process.env.BENCH_LATENCY_RATES ?? '500,2000').split(',').map(Number);
  const deviceCount = Number(process.env.BENCH_LATENCY_DEVICES ?? 5000);
  const out = [
    `REST → device: one push per request to one of ${fmt(deviceCount)} connected devices (in turn), sent open-loop at a fixed rate ` +
      `(latency counts from each request's scheduled time), \`store.synchronous = full\`; devices ack every push at once. Windows by send time.`,
    '',
  ];
  for (const rate of rates) out.push(...(await runRate(rate, seconds, deviceCount)));
  return out;
}
