import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MqttClient } from 'mqtt';
import { createConnection } from 'node:net';
import { push, registerDevices } from './devices.js';
import { Fleet, since, type WaitResult } from './fleet.js';
import { cpuSeconds } from './cpu-watch.js';
import { describeRatio, fmt, interleaved, median, now, roundRatios, runStamp, sleep, startBenchServer, type Contender } from './lib.js';
import { nchanWorkerPid, startNchan } from './nchan.js';
import { startMosquitto } from './mosquitto.js';
import { AckReader, BROADCAST, ReportPoller, CLIENT_PROCESSES, GATEWAY_BENCH_CONFIG, deviceCount, gatewayUrl } from './setup.js';

/**
 * One broadcast to N connected devices, up to four ways, with the same client code on the same
 * machine: Borealis (POST /v3/push → every device has it and has acked), a bare `ws` server
 * sending the same frame bytes (the ceiling for Node + ws), nginx with nchan (a WebSocket
 * subscriber location, an HTTP publisher location, one worker) and Mosquitto fanning one QoS 1
 * message out to N subscribers of one topic. The systems stay connected and take turns, round
 * by round, so that the machine's drift falls on all of them; ratios are taken per round.
 */

/** Interleaved rounds after the warm-up; more rounds give a steadier median on a noisy machine. */
const REPEATS = Math.max(1, Number(process.env.BENCH_FANOUT_ROUNDS ?? 3) || 3);
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
  /** Server / broker CPU ms until the last device had the push: the send loop, without the acks after it. */
  serverCpuToLast: number;
}

/** How often the server's CPU time is read during a round (its clock ticks every 10 ms). */
const CPU_SAMPLE_MS = 5;

/** CPU use of the server and the client processes over one round. */
class RoundCpu {
  private readonly server: number;
  private readonly clients: number;
  /** [wall-clock ms, server CPU s] every few ms, until the round is done. */
  private readonly samples: [number, number][] = [];
  private readonly sampler: NodeJS.Timeout;

  constructor(
    private readonly serverPid: number,
    private readonly clientPids: number[],
  ) {
    this.server = cpuSeconds(serverPid);
    this.clients = this.clientTotal();
    this.sampler = setInterval(() => this.samples.push([now(), cpuSeconds(serverPid)]), CPU_SAMPLE_MS);
    this.sampler.unref();
  }

  /** Server CPU ms from the start until the first reading at or after `t` (NaN if none). */
  private serverUntil(t: number): number {
    const s = this.samples.find(([at]) => at >= t);
    return s ? (s[1] - this.server) * 1000 : NaN;
  }

  private clientTotal(): number {
    return this.clientPids.reduce((s, pid) => s + cpuSeconds(pid), 0);
  }

  /**
   * Waits until 300 ms past the round's last ack or delivery (trailing acks get processed; client
   * clocks may run a few ms ahead of this one, so a round without acks needs the margin too).
   */
  async end(r: WaitResult): Promise<{ serverCpu: number; clientCpu: number; serverCpuToLast: number }> {
    const wait = Math.max(r.lastAck, r.lastRecv) + 300 - now();
    if (wait > 0) await sleep(wait);
    clearInterval(this.sampler);
    // a reading after the last device, even when the round ended before the next tick (no acks)
    this.samples.push([now(), cpuSeconds(this.serverPid)]);
    return {
      serverCpu: (cpuSeconds(this.serverPid) - this.server) * 1000,
      clientCpu: (this.clientTotal() - this.clients) * 1000,
      serverCpuToLast: this.serverUntil(r.lastRecv),
    };
  }
}

/** One system under comparison: connected once, then asked for one broadcast per round. */
interface Peer extends Contender<Round> {
  note: string;
  stop(): Promise<void>;
}

function round(
  t0: number,
  accepted: number,
  r: WaitResult,
  cpu: { serverCpu: number; clientCpu: number; serverCpuToLast: number },
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

/** The push frame Borealis sent, replayed by the other systems (set by Borealis's first round). */
let sampleFrame = '';

/** Arms the fleet, starts the clock and the CPU readings, triggers the broadcast and waits for it. */
async function broadcastRound(
  fleet: Fleet,
  serverPid: number,
  trigger: () => Promise<number>,
  after: (r: WaitResult) => Promise<{ reported: number | null; stored: number }> = async () => ({ reported: 0, stored: 0 }),
): Promise<Round> {
  const wait = await fleet.arm(1);
  const cpu = new RoundCpu(serverPid, fleet.pids);
  const t0 = now();
  // not awaited first: the devices' clock runs while the sender waits for its answer
  const answered = trigger();
  const r = await wait(60_000);
  const accepted = await answered;
  const kept = await after(r);
  const out = round(t0, accepted, r, await cpu.end(r), kept);
  await sleep(500);
  return out;
}

async function borealis(n: number): Promise<Peer> {
  const server = await startBenchServer(GATEWAY_BENCH_CONFIG);
  const fleet = Fleet.start(CLIENT_PROCESSES);
  const stop = async () => {
    await fleet.stop();
    acks?.close();
    reports?.close();
    await server.stop();
  };
  let acks: AckReader | undefined;
  let reports: ReportPoller | undefined;
  try {
    const reg = await registerDevices(server.url, server.appKey, n);
    const c = await fleet.connect('borealis', gatewayUrl(server.url), reg.devices, { inFlight: 200 });
    if (c.ready !== n) throw new Error(`only ${c.ready} of ${n} devices connected`);
    const ackReader = (acks = new AckReader(server.dir));
    const poller = (reports = new ReportPoller(server.url, server.appKey, server.masterSecret));
    let msgId = '';
    let reported: Promise<number | null> = Promise.resolve(0);
    return {
      name: 'Borealis',
      note: 'POST /v3/push sent → HTTP 200 / devices received / last ack sent / every ack counted by GET /v3/received (polled every 20 ms) / every ack in the store',
      stop,
      round: () =>
        broadcastRound(
          fleet,
          server.child.pid!,
          async () => {
            msgId = await push(server.url, server.appKey, server.masterSecret, BROADCAST);
            const t = now();
            reported = poller.waitReported([msgId], n, 20_000);
            return t;
          },
          async (r) => {
            sampleFrame = r.sampleFrame ?? sampleFrame;
            return { reported: await reported, stored: await ackReader.waitStored([msgId], n, 20_000) };
          },
        ),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function bareWs(n: number): Promise<Peer> {
  const child = fork(BARE_SERVER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const fleet = Fleet.start(CLIENT_PROCESSES);
  const stop = async () => {
    await fleet.stop();
    child.kill('SIGTERM');
  };
  try {
    const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
    const c = await fleet.connect('bare', `ws://127.0.0.1:${port}/`, n, { inFlight: 200 });
    if (c.ready !== n) throw new Error(`only ${c.ready} of ${n} clients connected to the bare ws server`);
    return {
      name: 'bare ws',
      note: 'trigger sent (IPC) → devices received / last ack sent (the frame is Borealis\'s, `ack_delay` included, so its clients ack alike)',
      stop,
      round: (i) =>
        broadcastRound(fleet, child.pid!, async () => {
          child.send({ cmd: 'broadcast', frame: withMsgId(sampleFrame, String(9_000_000_000 + i)) });
          return 0;
        }),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function nchan(n: number): Promise<Peer | string> {
  const server = await startNchan();
  if (typeof server === 'string') return server;
  const fleet = Fleet.start(CLIENT_PROCESSES);
  const stop = async () => {
    await fleet.stop();
    await server.stop();
  };
  try {
    const c = await fleet.connect('nchan', server.subscribeUrl, n, { inFlight: 200 });
    if (c.ready !== n) throw new Error(`only ${c.ready} of ${n} subscribers connected to nchan`);
    const worker = nchanWorkerPid(server);
    return {
      name: 'nchan',
      note: 'HTTP publish sent → nginx answered / subscribers received (they send nothing back: nchan has no acks and closes a subscriber that sends)',
      stop,
      round: (i) =>
        broadcastRound(fleet, worker, async () => {
          await server.publish(withMsgId(sampleFrame, String(9_200_000_000 + i)));
          return now();
        }),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function mosquitto(n: number): Promise<Peer | string> {
  const broker = await startMosquitto();
  if (!broker) return 'no mosquitto binary could be started';
  const topic = 'bench/fanout';
  const fleet = Fleet.start(CLIENT_PROCESSES);
  let publisher: MqttClient | undefined;
  const stop = async () => {
    await fleet.stop();
    publisher?.end(true);
    await broker.stop();
  };
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
    return {
      name: 'Mosquitto',
      note: 'QoS 1 publish → broker PUBACK / subscribers received (each PUBACKs at once)',
      stop,
      round: (i) =>
        broadcastRound(
          fleet,
          broker.child.pid!,
          () =>
            new Promise<number>((resolve) => {
              pub.publish(topic, withMsgId(sampleFrame, String(9_100_000_000 + i)), { qos: 1 }, () => resolve(now()));
              setTimeout(() => resolve(0), 60_000).unref();
            }),
        ),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** " (here 975 ms)" when the frame asks for delayed acks. */
function ackDelay(frame: string): string {
  const m = /"ack_delay":(\d+)/.exec(frame);
  return m ? ` (here ${m[1]} ms)` : ' (here none: acks at once)';
}

const cell = (ms: number) => (Number.isNaN(ms) ? '–' : fmt(ms, 0));

/** Time-to-last-device targets against each peer: Borealis's time over the peer's, at most this. */
const TARGETS: Record<string, { at: number; says: string }> = {
  nchan: { at: 1.0, says: '≤ 1.0 (stretch 0.8)' },
  'bare ws': { at: 2.0, says: '≤ 2.0 (at least half the devices/s of bare ws)' },
  Mosquitto: { at: 1.0, says: '< 1.0 (faster than Mosquitto)' },
};

export async function benchFanout(): Promise<string[]> {
  const n = deviceCount();
  const peers: Peer[] = [];
  const skipped: string[] = [];
  let results: Map<string, Round[]>;
  try {
    // Every system holds its N connections for the whole run (each with its own client processes),
    // so the rounds can alternate between them.
    peers.push(await borealis(n));
    peers.push(await bareWs(n));
    for (const [name, start] of [
      ['nchan', nchan],
      ['Mosquitto', mosquitto],
    ] as const) {
      const p = await start(n);
      if (typeof p === 'string') skipped.push(`${name}: not measured (${p}).`);
      else peers.push(p);
    }
    await sleep(1000);
    results = await interleaved(peers, REPEATS, 1);
  } finally {
    for (const p of peers) await p.stop();
  }

  const lines = [
    `Ran on ${runStamp()}. N = ${fmt(n)} connected devices per system, one broadcast per round; ${REPEATS} interleaved rounds (${peers.map((p) => p.name).join(', ')}, then again) after one warm-up round of each; medians.`,
    `Devices ack as the SDK does: at once, or after a random wait of half to all of the push frame's \`ack_delay\` when it has one${ackDelay(sampleFrame)}; bare ws clients get the same frame and ack alike; nchan subscribers cannot ack.`,
    `Clients: ${CLIENT_PROCESSES} processes per system on the same 2 cores as the servers; times are client-side wall clock (ms from the send).`,
    '',
    '| system | sender answered (ms) | first device (ms) | last device (ms) | last ack sent (ms) | all acks reported (ms) | all acks stored (ms) | devices/s (to last device) | lost | server CPU to last device (ms) | server CPU (ms) | clients CPU (ms) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const lastTimes = (name: string) => results.get(name)!.map((x) => x.last);
  for (const p of peers) {
    const rounds = results.get(p.name)!;
    const med = (k: keyof Round) => median(rounds.map((x) => x[k]));
    const lost = rounds.reduce((s, x) => s + x.missing, 0);
    lines.push(
      `| ${p.name} | ${cell(med('accepted'))} | ${cell(med('first'))} | ${cell(med('last'))} | ${cell(med('lastAck'))} | ${cell(med('reported'))} | ${cell(med('stored'))} | ${fmt(n / (med('last') / 1000))} | ${lost} | ${cell(med('serverCpuToLast'))} | ${cell(med('serverCpu'))} | ${cell(med('clientCpu'))} |`,
    );
  }
  lines.push('');
  lines.push('Every round (last device, ms): ' + peers.map((p) => `${p.name} ${lastTimes(p.name).map(cell).join(' / ')}`).join('; ') + '.');
  lines.push('');
  for (const p of peers) lines.push(`- ${p.name}: ${p.note}.`);
  for (const s of skipped) lines.push(`- ${s}`);
  lines.push('');
  lines.push('| time to the last device, Borealis / peer | median (min-max; each round) | target |');
  lines.push('|---|---|---|');
  for (const p of peers.slice(1)) {
    const r = roundRatios(lastTimes('Borealis'), lastTimes(p.name));
    const t = TARGETS[p.name]!;
    lines.push(`| Borealis / ${p.name} | **${describeRatio(r)}** | ${t.says}: ${r.median <= t.at ? 'met' : 'NOT met'} |`);
  }
  const serverCpu = (name: string) => results.get(name)!.map((x) => x.serverCpu);
  const serverCpuToLast = (name: string) => results.get(name)!.map((x) => x.serverCpuToLast);
  if (results.has('nchan')) {
    lines.push('', `Server CPU per broadcast, Borealis / nchan: ${describeRatio(roundRatios(serverCpu('Borealis'), serverCpu('nchan')))}.`);
    lines.push(`Server CPU until the last device had it (the send loop), Borealis / nchan: ${describeRatio(roundRatios(serverCpuToLast('Borealis'), serverCpuToLast('nchan')))}; Borealis / bare ws: ${describeRatio(roundRatios(serverCpuToLast('Borealis'), serverCpuToLast('bare ws')))}.`);
  }
  lines.push('');
  return lines;
}
