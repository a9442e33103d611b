import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpuSeconds } from './cpu-watch.js';
import { push, registerDevices } from './devices.js';
import { Fleet, since, type DeviceCreds } from './fleet.js';
import { fmt, listenDrops, median, now, sleep, startBenchServer, type BenchServer } from './lib.js';
import { AckReader, BROADCAST, ReportPoller, CLIENT_PROCESSES, GATEWAY_BENCH_CONFIG, deviceCount, gatewayUrl } from './setup.js';

/**
 * Reconnect storm: N devices are connected, all go away, the app sends OWED broadcasts while
 * they are offline, then every device reconnects: first all at the same moment (no pacing at
 * all), then again with the reconnects paced to a fixed number of handshakes in flight.
 * Measured: time until every device has all OWED pushes and has acked them, and whether any
 * push was lost (a device missing one, or an ack the server did not store).
 */

const OWED = 10;
const PACED_IN_FLIGHT = 400;
const REPEATS = 3;

interface StormResult {
  label: string;
  connected: number;
  received: number;
  lastAck: number;
  reported: number;
  stored: number;
  delivered: number;
  duplicates: number;
  retries: number;
  failed: number;
  closes: Record<string, number>;
  serverCpu: number;
  listenDrops: number;
  lost: number;
  notStored: number;
}

async function storm(
  label: string,
  server: BenchServer,
  fleet: Fleet,
  devices: DeviceCreds[],
  inFlight: number,
  round: number,
): Promise<StormResult> {
  const n = devices.length;
  const url = gatewayUrl(server.url);
  await fleet.close();
  await sleep(1000);
  const msgIds: string[] = [];
  for (let i = 0; i < OWED; i++) {
    msgIds.push(await push(server.url, server.appKey, server.masterSecret, { ...BROADCAST, notification: { alert: `storm ${round}, owed push ${i + 1}` } }));
  }
  const acks = new AckReader(server.dir);
  const reports = new ReportPoller(server.url, server.appKey, server.masterSecret);
  try {
    await sleep(1000);
    const wait = await fleet.arm(OWED);
    const cpu0 = cpuSeconds(server.child.pid!);
    const drops0 = listenDrops();
    const t0 = now();
    // A failed attempt retries with jittered backoff, as the SDK does.
    const connected = fleet.connect('borealis', url, devices, { inFlight });
    const reported = reports.waitReported(msgIds, n, 180_000);
    const r = await wait(180_000);
    // Connections still hanging after the deadline are abandoned (the next close drops them).
    const c = await Promise.race([connected, sleep(5_000).then(() => ({ ready: 0, failed: 0, retries: 0, lastReady: 0 }))]);
    const reportedAt = await Promise.race([reported, sleep(5_000).then(() => 0)]);
    const stored = await acks.waitStored(msgIds, n, 30_000);
    const storedTotal = msgIds.reduce((s, id) => s + acks.acked(id), 0);
    return {
      label,
      connected: since(t0, c.lastReady),
      received: since(t0, r.lastRecv),
      lastAck: since(t0, r.lastAck),
      reported: since(t0, reportedAt ?? 0),
      stored: since(t0, stored),
      delivered: r.delivered,
      duplicates: r.duplicates,
      retries: c.retries,
      failed: c.failed,
      closes: r.closes,
      serverCpu: cpuSeconds(server.child.pid!) - cpu0,
      listenDrops: listenDrops() - drops0,
      lost: n * OWED - r.delivered,
      notStored: n * OWED - storedTotal,
    };
  } finally {
    acks.close();
    reports.close();
  }
}

const BACKLOG_HOOK = pathToFileURL(fileURLToPath(new URL('./listen-backlog.js', import.meta.url))).href;

/** A server with N registered devices that have each had one session; runs `storms` on it. */
async function withServer(
  n: number,
  fleet: Fleet,
  nodeArgs: string[],
  storms: (server: BenchServer, devices: DeviceCreds[]) => Promise<StormResult[][]>,
): Promise<StormResult[][]> {
  const server = await startBenchServer(GATEWAY_BENCH_CONFIG, nodeArgs);
  try {
    const reg = await registerDevices(server.url, server.appKey, n);
    const first = await fleet.connect('borealis', gatewayUrl(server.url), reg.devices, { inFlight: 200 });
    if (first.ready !== n) throw new Error(`only ${first.ready} of ${n} devices connected`);
    const results = await storms(server, reg.devices);
    await fleet.close();
    return results;
  } finally {
    await server.stop();
  }
}

/** Runs the same storm REPEATS times on one server (each round owes a fresh set of pushes). */
async function repeated(label: string, server: BenchServer, fleet: Fleet, devices: DeviceCreds[], inFlight: number): Promise<StormResult[]> {
  const rounds: StormResult[] = [];
  for (let i = 0; i < REPEATS; i++) rounds.push(await storm(label, server, fleet, devices, inFlight, rounds.length + 1));
  return rounds;
}

export async function benchStorm(): Promise<string[]> {
  const n = deviceCount();
  const fleet = Fleet.start(CLIENT_PROCESSES);
  const variants: StormResult[][] = [];
  try {
    variants.push(
      ...(await withServer(n, fleet, [], async (server, devices) => [
        await repeated('all at once', server, fleet, devices, 0),
        await repeated(`paced, ${fmt(PACED_IN_FLIGHT)} handshakes in flight`, server, fleet, devices, PACED_IN_FLIGHT / CLIENT_PROCESSES),
      ])),
    );
    // Opt-in: a second server with a larger accept queue, to see what that alone would change.
    if (process.env.BENCH_STORM_BACKLOG === '1') {
      variants.push(
        ...(await withServer(n, fleet, ['--import', BACKLOG_HOOK], async (server, devices) => [
          await repeated('all at once, listen backlog 4096 (experiment)', server, fleet, devices, 0),
        ])),
      );
    }
  } finally {
    await fleet.stop();
  }

  const s = (ms: number) => (Number.isNaN(ms) ? '–' : `${fmt(ms / 1000, 2)} s`);
  const lines = [
    `N = ${fmt(n)} devices, each owed ${OWED} broadcasts sent while all were offline; the devices reconnect from ${CLIENT_PROCESSES} client processes on the same 2 cores. ` +
      `Each variant runs ${REPEATS} times; the table gives medians, lost and duplicates are totals.`,
    '',
    `| reconnect | all connected | every device has all ${OWED} | last ack sent | every ack reported | every ack stored | pushes/s | duplicates | retried connects / never connected | listen-queue drops | server CPU | lost |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const rounds of variants) {
    const med = (k: keyof StormResult) => median(rounds.map((r) => r[k] as number));
    const total = (k: keyof StormResult) => rounds.reduce((t, r) => t + (r[k] as number), 0);
    lines.push(
      `| ${rounds[0]!.label} | ${s(med('connected'))} | ${s(med('received'))} | ${s(med('lastAck'))} | ${s(med('reported'))} | ${s(med('stored'))} | ` +
        `${fmt((n * OWED) / (med('received') / 1000))} | ${fmt(total('duplicates'))} | ${fmt(total('retries'))} / ${fmt(total('failed'))} | ${fmt(med('listenDrops'))} | ${fmt(med('serverCpu'), 1)} s | ${total('lost')} |`,
    );
  }
  lines.push('');
  for (const rounds of variants) {
    const closes = rounds.flatMap((r) => Object.entries(r.closes).map(([code, k]) => `${code}: ${k}`));
    lines.push(
      `- ${rounds[0]!.label}: every device had all ${OWED} after ${rounds.map((r) => s(r.received)).join(' / ')}; ` +
        `lost: ${rounds.reduce((t, r) => t + r.lost, 0)} (acks not stored: ${rounds.reduce((t, r) => t + r.notStored, 0)}; ` +
        `closed by the server after ready: ${closes.length === 0 ? 'none' : closes.join(', ')}).`,
    );
  }
  lines.push('');
  lines.push(
    `Paced keeps at most ${fmt(PACED_IN_FLIGHT)} handshakes open at once, fewer than Node's listen backlog of 511, so the kernel has no reason to drop a SYN. ` +
      'Unpaced, SYNs beyond the accept queue are dropped and retransmitted after 1, 3, 7, 15, 31 s: that timer, not server work, sets the time.',
  );
  if (variants.length > 2) {
    lines.push('The experiment row runs the same server with a preload that raises the listen backlog to 4096 (see listen-backlog.ts); the shipped server has no such setting.');
  }
  lines.push('');
  return lines;
}
