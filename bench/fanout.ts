import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MqttClient } from 'mqtt';
import { createConnection } from 'node:net';
import { push, registerDevices } from './devices.js';
import { Fleet, since, type WaitResult } from './fleet.js';
import { cpuSeconds } from './cpu-watch.js';
import { fmt, median, now, sleep, startBenchServer } from './lib.js';
import { startMosquitto } from './mosquitto.js';
import { AckReader, BROADCAST, ReportPoller, CLIENT_PROCESSES, GATEWAY_BENCH_CONFIG, deviceCount, gatewayUrl } from './setup.js';

/**
 * One broadcast to N connected devices, three ways, with the same clients on the same machine:
 * Borealis (POST /v3/push → every device has it and has acked), a bare `ws` server sending the
 * same frame bytes to the same number of clients (the ceiling for Node + ws), and Mosquitto
 * fanning one QoS 1 message out to N subscribers of one topic. Each is measured REPEATS times
 * after one warm-up round; medians are reported.
 */

const REPEATS = 3;
const BARE_SERVER = fileURLToPath(new URL('./bare-ws-server.js', import.meta.url));

interface Round {
  /** Until the sender heard back: HTTP 200 for Borealis, the broker's PUBACK for MQTT. */
  accepted: number;
  first: number;
  last: number;
  lastAck: number;
  /** Until the server reported every device's ack through the Report API (Borealis only). */
  reported: number;
  /** Until the server had stored every device's ack (Borealis only). */
  stored: number;
  missing: number;
  duplicates: number;
  /** CPU ms used in the round (until 300 ms after the last ack) by the server / broker, and by all clients. */
  serverCpu: number;
  clientCpu: number;
}

/** CPU use of the server and the client processes over one round. */
class RoundCpu {
  private readonly server: number;
  private readonly clients: number;

  constructor(
    private readonly serverPid: number,
    private readonly clientPids: number[],
  ) {
    this.server = cpuSeconds(serverPid);
    this.clients = this.clientTotal();
  }

  private clientTotal(): number {
    return this.clientPids.reduce((s, pid) => s + cpuSeconds(pid), 0);
  }

  /** Waits until 300 ms past the round's last ack (trailing acks get processed), then reads. */
  async end(r: WaitResult): Promise<{ serverCpu: number; clientCpu: number }> {
    const wait = r.lastAck + 300 - now();
    if (wait > 0) await sleep(wait);
    return { serverCpu: (cpuSeconds(this.serverPid) - this.server) * 1000, clientCpu: (this.clientTotal() - this.clients) * 1000 };
  }
}

interface SystemResult {
  name: string;
  rounds: Round[];
  note: string;
}

function round(
  t0: number,
  accepted: number,
  r: WaitResult,
  cpu: { serverCpu: number; clientCpu: number },
  server: { reported: number | null; stored: number } = { reported: 0, stored: 0 },
): Round {
  return {
    ...cpu,
    reported: since(t0, server.reported ?? 0),
    accepted: since(t0, accepted),
    first: since(t0, r.firstRecv),
    last: since(t0, r.lastRecv),
    lastAck: since(t0, r.lastAck),
    stored: since(t0, server.stored),
    missing: r.devices - r.complete,
    duplicates: r.duplicates,
  };
}

/** The frame with another msg_id, so every round is a new push to the clients. */
function withMsgId(frame: string, id: string): string {
  return frame.replace(/"msg_id":"\d+"/, `"msg_id":"${id}"`);
}

async function borealis(fleet: Fleet, n: number): Promise<SystemResult & { frame: string }> {
  const server = await startBenchServer(GATEWAY_BENCH_CONFIG);
  let acks: AckReader | undefined;
  let reports: ReportPoller | undefined;
  try {
    const reg = await registerDevices(server.url, server.appKey, n);
    const c = await fleet.connect('borealis', gatewayUrl(server.url), reg.devices, { inFlight: 200 });
    if (c.ready !== n) throw new Error(`only ${c.ready} of ${n} devices connected`);
    acks = new AckReader(server.dir);
    reports = new ReportPoller(server.url, server.appKey, server.masterSecret);
    await sleep(1000);
    const rounds: Round[] = [];
    let frame = '';
    for (let i = 0; i <= REPEATS; i++) {
      const wait = await fleet.arm(1);
      const cpu = new RoundCpu(server.child.pid!, fleet.pids);
      const t0 = now();
      const msgId = await push(server.url, server.appKey, server.masterSecret, BROADCAST);
      const accepted = now();
      const reported = reports.waitReported([msgId], n, 20_000);
      const r = await wait(60_000);
      const kept = { reported: await reported, stored: await acks.waitStored([msgId], n, 20_000) };
      frame = r.sampleFrame ?? frame;
      if (i > 0) rounds.push(round(t0, accepted, r, await cpu.end(r), kept));
      await sleep(500);
    }
    await fleet.close();
    return {
      name: 'Borealis',
      rounds,
      frame,
      note: 'POST /v3/push sent → HTTP 200 / devices received / last ack sent / every ack counted by GET /v3/received (polled every 20 ms) / every ack in the store',
    };
  } finally {
    acks?.close();
    reports?.close();
    await server.stop();
  }
}

async function bareWs(fleet: Fleet, n: number, frame: string): Promise<SystemResult> {
  const child = fork(BARE_SERVER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
    const c = await fleet.connect('bare', `ws://127.0.0.1:${port}/`, n, { inFlight: 200 });
    if (c.ready !== n) throw new Error(`only ${c.ready} of ${n} clients connected to the bare ws server`);
    await sleep(1000);
    const rounds: Round[] = [];
    for (let i = 0; i <= REPEATS; i++) {
      const wait = await fleet.arm(1);
      const cpu = new RoundCpu(child.pid!, fleet.pids);
      const t0 = now();
      child.send({ cmd: 'broadcast', frame: withMsgId(frame, String(9_000_000_000 + i)) });
      const r = await wait(60_000);
      if (i > 0) rounds.push(round(t0, 0, r, await cpu.end(r)));
      await sleep(500);
    }
    await fleet.close();
    return { name: 'bare ws', rounds, note: 'trigger sent (IPC) → devices received / last ack sent' };
  } finally {
    child.kill('SIGTERM');
  }
}

async function mosquitto(fleet: Fleet, n: number, frame: string): Promise<SystemResult | null> {
  const broker = await startMosquitto();
  if (!broker) return null;
  const topic = 'bench/fanout';
  let publisher: MqttClient | undefined;
  try {
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const c = await fleet.connect('mqtt', url, n, { inFlight: 200, topic });
    if (c.ready !== n) throw new Error(`only ${c.ready} of ${n} subscribers connected to Mosquitto`);
    const pub = new MqttClient(() => createConnection({ host: '127.0.0.1', port: broker.port }), {
      clientId: 'bench-publisher',
      protocolVersion: 4,
      keepalive: 0,
      reconnectPeriod: 0,
    });
    publisher = pub;
    await new Promise<void>((resolve, reject) => {
      pub.once('connect', () => resolve());
      pub.once('error', reject);
    });
    await sleep(1000);
    const rounds: Round[] = [];
    for (let i = 0; i <= REPEATS; i++) {
      const wait = await fleet.arm(1);
      const cpu = new RoundCpu(broker.child.pid!, fleet.pids);
      const t0 = now();
      const pubacked = new Promise<number>((resolve) => {
        pub.publish(topic, withMsgId(frame, String(9_100_000_000 + i)), { qos: 1 }, () => resolve(now()));
        setTimeout(() => resolve(0), 60_000).unref();
      });
      const r = await wait(60_000);
      const acked = await pubacked;
      if (i > 0) rounds.push(round(t0, acked, r, await cpu.end(r)));
      await sleep(500);
    }
    await fleet.close();
    return { name: 'Mosquitto', rounds, note: 'QoS 1 publish → broker PUBACK / subscribers received (each PUBACKs at once)' };
  } finally {
    publisher?.end(true);
    await broker.stop();
  }
}

const cell = (ms: number) => (Number.isNaN(ms) ? '–' : fmt(ms, 0));

export async function benchFanout(): Promise<string[]> {
  const n = deviceCount();
  const fleet = Fleet.start(CLIENT_PROCESSES);
  const results: SystemResult[] = [];
  try {
    const b = await borealis(fleet, n);
    results.push(b);
    results.push(await bareWs(fleet, n, b.frame));
    const m = await mosquitto(fleet, n, b.frame);
    if (m) results.push(m);
  } finally {
    await fleet.stop();
  }

  const lines = [
    `N = ${fmt(n)} connected devices, one broadcast, each device acks at once; median of ${REPEATS} rounds after a warm-up.`,
    `Clients: ${CLIENT_PROCESSES} processes on the same 2 cores as the server; times are client-side wall clock (ms from the send).`,
    '',
    '| system | sender answered (ms) | first device (ms) | last device (ms) | last ack sent (ms) | all acks reported (ms) | all acks stored (ms) | devices/s (to last device) | lost | server CPU (ms) | clients CPU (ms) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const rate = (r: SystemResult) => n / (median(r.rounds.map((x) => x.last)) / 1000);
  for (const r of results) {
    const med = (k: keyof Round) => median(r.rounds.map((x) => x[k]));
    const lost = r.rounds.reduce((s, x) => s + x.missing, 0);
    lines.push(
      `| ${r.name} | ${cell(med('accepted'))} | ${cell(med('first'))} | ${cell(med('last'))} | ${cell(med('lastAck'))} | ${cell(med('reported'))} | ${cell(med('stored'))} | ${fmt(rate(r))} | ${lost} | ${cell(med('serverCpu'))} | ${cell(med('clientCpu'))} |`,
    );
  }
  lines.push('');
  lines.push('Every round (last device, ms): ' + results.map((r) => `${r.name} ${r.rounds.map((x) => cell(x.last)).join(' / ')}`).join('; ') + '.');
  lines.push('');
  for (const r of results) lines.push(`- ${r.name}: ${r.note}.`);
  lines.push('');
  const [bor, bare, mq] = [results[0]!, results[1]!, results[2]];
  const toBare = rate(bor) / rate(bare);
  lines.push(`Borealis / bare ws (devices/s): **${fmt(toBare, 2)}** (target ≥ 0.5: ${toBare >= 0.5 ? 'met' : 'NOT met'}).`);
  if (mq) {
    const toMq = rate(bor) / rate(mq);
    lines.push(`Borealis / Mosquitto (devices/s): **${fmt(toMq, 2)}** (target > 1, faster than Mosquitto: ${toMq > 1 ? 'met' : 'NOT met'}).`);
  } else {
    lines.push('Mosquitto: not measured (no mosquitto binary could be started).');
  }
  lines.push('');
  return lines;
}
