import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { now } from './lib.js';

/**
 * A fleet of simulated devices spread over several client processes. The clients are lean
 * (raw `ws` speaking the device protocol, or the `mqtt` client for the broker comparison) and
 * share the machine's cores with the server under test.
 */

export type FleetKind = 'borealis' | 'bare' | 'nchan' | 'mqtt';

export interface DeviceCreds {
  rid: string;
  secret: string;
}

/** Loopback source addresses: one address pair gives only ~28,000 ephemeral ports. */
export const SOURCE_ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);

export type ToWorker =
  | {
      cmd: 'connect';
      kind: FleetKind;
      /** ws:// URL, or mqtt://host:port. */
      url: string;
      /** Credentials (borealis) or just a count (bare ws, mqtt). */
      devices: DeviceCreds[] | number;
      worker: number;
      addresses: string[];
      /** Connections opening at once; 0 = all of them at once. */
      inFlight: number;
      topic?: string;
    }
  | { cmd: 'arm'; perDevice: number }
  | { cmd: 'stats' }
  | { cmd: 'close' };

export interface WorkerStats {
  devices: number;
  /** Devices that received `perDevice` distinct pushes since the last arm. */
  complete: number;
  /** Distinct pushes received since the last arm, capped at `perDevice` a device. */
  delivered: number;
  duplicates: number;
  firstRecv: number;
  lastRecv: number;
  lastAck: number;
  /** Close codes of connections closed after they were ready. */
  closes: Record<string, number>;
  /** One push frame as received, to replay through the bare ws server. */
  sampleFrame: string | null;
}

export type FromWorker =
  | { ev: 'connected'; ready: number; failed: number; retries: number; lastReady: number }
  | { ev: 'armed' }
  | { ev: 'done'; stats: WorkerStats }
  | { ev: 'stats'; stats: WorkerStats }
  | { ev: 'closed' };

const WORKER = fileURLToPath(new URL('./fleet-worker.js', import.meta.url));

class Worker {
  private waiting = new Map<string, ((m: FromWorker) => void)[]>();

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: FromWorker) => {
      const list = this.waiting.get(m.ev);
      const resolve = list?.shift();
      if (resolve) resolve(m);
    });
  }

  /** The next message of this kind; register before sending the command that causes it. */
  next<E extends FromWorker['ev']>(ev: E): Promise<Extract<FromWorker, { ev: E }>> {
    return new Promise((resolve) => {
      const list = this.waiting.get(ev) ?? [];
      list.push(resolve as (m: FromWorker) => void);
      this.waiting.set(ev, list);
    });
  }

  drop(ev: FromWorker['ev']): void {
    this.waiting.delete(ev);
  }

  send(m: ToWorker): void {
    this.child.send(m);
  }
}

export interface ConnectResult {
  ready: number;
  failed: number;
  retries: number;
  /** Wall-clock time the last connection became ready. */
  lastReady: number;
}

export interface WaitResult extends WorkerStats {
  /** False when the timeout passed before every device completed. */
  finished: boolean;
}

function sum(list: WorkerStats[], key: 'devices' | 'complete' | 'delivered' | 'duplicates'): number {
  return list.reduce((n, s) => n + s[key], 0);
}

function merge(list: WorkerStats[], finished: boolean): WaitResult {
  const closes: Record<string, number> = {};
  for (const s of list) for (const [code, n] of Object.entries(s.closes)) closes[code] = (closes[code] ?? 0) + n;
  const firsts = list.map((s) => s.firstRecv).filter((t) => t > 0);
  return {
    finished,
    devices: sum(list, 'devices'),
    complete: sum(list, 'complete'),
    delivered: sum(list, 'delivered'),
    duplicates: sum(list, 'duplicates'),
    firstRecv: firsts.length > 0 ? Math.min(...firsts) : 0,
    lastRecv: Math.max(0, ...list.map((s) => s.lastRecv)),
    lastAck: Math.max(0, ...list.map((s) => s.lastAck)),
    closes,
    sampleFrame: list.find((s) => s.sampleFrame)?.sampleFrame ?? null,
  };
}

export class Fleet {
  private constructor(private readonly workers: Worker[]) {}

  static start(processes = 4): Fleet {
    const workers = Array.from({ length: processes }, () => {
      const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
      return new Worker(child);
    });
    return new Fleet(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  get pids(): number[] {
    return this.workers.map((w) => w.child.pid!);
  }

  /** Opens the connections, split evenly over the client processes; resolves when every one is ready or failed. */
  async connect(
    kind: FleetKind,
    url: string,
    devices: DeviceCreds[] | number,
    opts: { inFlight: number; topic?: string },
  ): Promise<ConnectResult> {
    const total = typeof devices === 'number' ? devices : devices.length;
    const per = Math.ceil(total / this.workers.length);
    const replies = this.workers.map((w, i) => {
      const part = typeof devices === 'number' ? Math.max(0, Math.min(per, total - i * per)) : devices.slice(i * per, (i + 1) * per);
      const reply = w.next('connected');
      w.send({ cmd: 'connect', kind, url, devices: part, worker: i, addresses: SOURCE_ADDRESSES, inFlight: opts.inFlight, topic: opts.topic });
      return reply;
    });
    const all = await Promise.all(replies);
    return {
      ready: all.reduce((n, r) => n + r.ready, 0),
      failed: all.reduce((n, r) => n + r.failed, 0),
      retries: all.reduce((n, r) => n + r.retries, 0),
      lastReady: Math.max(...all.map((r) => r.lastReady)),
    };
  }

  /** Resets the counters: from now on each device should receive `perDevice` distinct pushes. */
  async arm(perDevice: number): Promise<(timeoutMs?: number) => Promise<WaitResult>> {
    await Promise.all(
      this.workers.map((w) => {
        const r = w.next('armed');
        w.send({ cmd: 'arm', perDevice });
        return r;
      }),
    );
    const done = this.workers.map((w) => w.next('done'));
    // The returned waiter: resolves when every device completed, or at the timeout with what arrived.
    return async (timeoutMs = 60_000) => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
      const result = await Promise.race([Promise.all(done), timedOut]);
      clearTimeout(timer);
      if (result) return merge(result.map((r) => r.stats), true);
      for (const w of this.workers) w.drop('done');
      return merge(await this.stats(), false);
    };
  }

  async stats(): Promise<WorkerStats[]> {
    return Promise.all(
      this.workers.map((w) => {
        const r = w.next('stats');
        w.send({ cmd: 'stats' });
        return r.then((m) => m.stats);
      }),
    );
  }

  /** Closes every connection (the clients close first, as devices going away would). */
  async close(): Promise<void> {
    await Promise.all(
      this.workers.map((w) => {
        const r = w.next('closed');
        w.send({ cmd: 'close' });
        return r;
      }),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.child.exitCode !== null) return resolve();
            w.child.once('exit', () => resolve());
            w.child.kill('SIGTERM');
          }),
      ),
    );
  }
}

/** Time from `start` to `end` in ms, or NaN when `end` never happened. */
export function since(start: number, end: number): number {
  return end > 0 ? end - start : NaN;
}

export { now };
