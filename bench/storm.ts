import { cpuSeconds } from './cpu-watch.js';
import { push, registerDevices } from './devices.js';
import { Fleet, since, type DeviceCreds } from './fleet.js';
import { fmt, listenDrops, now, sleep, startBenchServer, type BenchServer } from './lib.js';
import { AckReader, BROADCAST, CLIENT_PROCESSES, GATEWAY_BENCH_CONFIG, deviceCount, gatewayUrl } from './setup.js';

/**
 * Reconnect storm: N devices are connected, all go away, the app sends OWED broadcasts while
 * they are offline, then every device reconnects: first all at the same moment (no pacing at
 * all), then again with the reconnects paced to a fixed number of handshakes in flight.
 * Measured: time until every device has all OWED pushes and has acked them, and whether any
 * push was lost (a device missing one, or an ack the server did not store).
 */

const OWED = 10;
const PACED_IN_FLIGHT = 1000;

interface StormResult {
  label: string;
  connected: number;
  received: number;
  lastAck: number;
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
  try {
    await sleep(1000);
    const wait = await fleet.arm(OWED);
    const cpu0 = cpuSeconds(server.child.pid!);
    const drops0 = listenDrops();
    const t0 = now();
    // A failed attempt retries with jittered backoff, as the SDK does.
    const connected = fleet.connect('borealis', url, devices, { inFlight });
    const r = await wait(180_000);
    const c = await connected;
    const stored = await acks.waitStored(msgIds, n, 30_000);
    const storedTotal = msgIds.reduce((s, id) => s + acks.acked(id), 0);
    return {
      label,
      connected: since(t0, c.lastReady),
      received: since(t0, r.lastRecv),
      lastAck: since(t0, r.lastAck),
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
  }
}

export async function benchStorm(): Promise<string[]> {
  const n = deviceCount();
  const server = await startBenchServer(GATEWAY_BENCH_CONFIG);
  const fleet = Fleet.start(CLIENT_PROCESSES);
  try {
    const reg = await registerDevices(server.url, server.appKey, n);
    // A first session each, so the storms are reconnects of known devices.
    const first = await fleet.connect('borealis', gatewayUrl(server.url), reg.devices, { inFlight: 200 });
    if (first.ready !== n) throw new Error(`only ${first.ready} of ${n} devices connected`);
    const results = [
      await storm('all at once', server, fleet, reg.devices, 0, 1),
      await storm(`paced, ${fmt(PACED_IN_FLIGHT)} handshakes in flight`, server, fleet, reg.devices, PACED_IN_FLIGHT / CLIENT_PROCESSES, 2),
    ];
    await fleet.close();

    const s = (ms: number) => (Number.isNaN(ms) ? 'not within 30 s' : `${fmt(ms / 1000, 2)} s`);
    const lines = [
      `N = ${fmt(n)} devices, each owed ${OWED} broadcasts sent while all were offline; the devices reconnect from ${CLIENT_PROCESSES} client processes on the same 2 cores.`,
      '',
      `| reconnect | all connected | every device has all ${OWED} | last ack sent | every ack stored | pushes/s | duplicates | retried connects / never connected | listen-queue drops | server CPU | lost |`,
      '|---|---|---|---|---|---|---|---|---|---|---|',
    ];
    for (const r of results) {
      lines.push(
        `| ${r.label} | ${s(r.connected)} | ${s(r.received)} | ${s(r.lastAck)} | ${s(r.stored)} | ${fmt(r.delivered / (r.received / 1000))} | ${fmt(r.duplicates)} | ${fmt(r.retries)} / ${fmt(r.failed)} | ${fmt(r.listenDrops)} | ${fmt(r.serverCpu, 1)} s | ${r.lost} |`,
      );
    }
    lines.push('');
    for (const r of results) {
      const closes = Object.keys(r.closes).length === 0 ? 'none' : JSON.stringify(r.closes);
      lines.push(`- ${r.label}: lost: ${r.lost} (delivered ${fmt(r.delivered)} of ${fmt(n * OWED)}; acks not stored: ${r.notStored}; closed by the server after ready: ${closes}).`);
    }
    lines.push('');
    return lines;
  } finally {
    await fleet.stop();
    await server.stop();
  }
}
