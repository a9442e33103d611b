import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The compiled CLI; benchmarks run the real server in its own process. */
export const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `${cpus().length} x ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export interface BenchServer {
  url: string;
  /** The server's data directory (its SQLite file is `borealis.db` inside). */
  dir: string;
  appKey: string;
  masterSecret: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `borealis serve` on a fresh data directory with the given config and one unthrottled app.
 * `nodeArgs` go to the server's node process (e.g. a preload that lets the bench force a GC).
 */
export async function startBenchServer(
  config: Record<string, unknown>,
  nodeArgs: string[] = [],
  /** Runs after the app exists and before the server starts (to seed devices or credentials). */
  beforeStart?: (dir: string, configFile: string, appKey: string) => void | Promise<void>,
): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-bench-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ logLevel: 'warn', ...config }));
  const created = spawnSync(process.execPath, [CLI, 'app', 'create', '--name', 'bench', '--json', '--data', dir, '--config', configFile], {
    encoding: 'utf8',
  });
  if (created.status !== 0) throw new Error(created.stderr);
  const creds = JSON.parse(created.stdout) as { appKey: string; masterSecret: string };
  spawnSync(process.execPath, [CLI, 'app', 'limits', creds.appKey, '--rate-limit', '0', '--broadcasts-per-day', '0', '--data', dir, '--config', configFile]);
  await beforeStart?.(dir, configFile, creds.appKey);
  const served = await spawnServe(dir, configFile, nodeArgs);
  return {
    ...served,
    dir,
    ...creds,
    stop: async () => {
      await served.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A `borealis serve` process on an existing data directory and config file. */
export interface ServeChild {
  url: string;
  child: ChildProcess;
  /** SIGTERM, resolved once it exited. */
  stop(): Promise<void>;
}

/** Starts `borealis serve --port 0` and resolves with the URL it listens on. */
export async function spawnServe(dir: string, configFile: string, nodeArgs: string[] = []): Promise<ServeChild> {
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'serve', '--port', '0', '--data', dir, '--config', configFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BOREALIS_LOG_LEVEL: 'info' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  child.stdout!.resume();
  return {
    url,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The p-th percentile (0..100) by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Resident set size of a process, in bytes, as the kernel reports it. */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Reads the first sample of each metric (labelled or not) from a Prometheus text exposition. */
export async function scrapeMetrics(url: string, names: readonly string[]): Promise<Record<string, number>> {
  const text = await (await fetch(url + '/metrics')).text();
  const out: Record<string, number> = {};
  for (const name of names) {
    // samples carry the node's default labels: name{node="1",role="all"} value
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)`, 'm').exec(text);
    out[name] = m ? Number(m[1]) : NaN;
  }
  return out;
}

export function mib(bytes: number): string {
  return fmt(bytes / 2 ** 20, 1);
}

/** The kernel's count of connections dropped because a listen queue was full (this network namespace). */
export function listenDrops(): number {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    const head = lines.findIndex((l) => l.startsWith('TcpExt:'));
    const names = lines[head]!.split(' ');
    const values = lines[head + 1]!.split(' ');
    return Number(values[names.indexOf('ListenDrops')]);
  } catch {
    return NaN;
  }
}

/** Preload for `startBenchServer`'s nodeArgs: with it, `settledMemory` can force a full GC. */
export const GC_HOOK_ARGS = ['--expose-gc', '--import', pathToFileURL(fileURLToPath(new URL('./gc-on-signal.js', import.meta.url))).href];
const MEMORY_METRICS = ['borealis_process_resident_memory_bytes', 'borealis_nodejs_heap_size_used_bytes', 'borealis_nodejs_external_memory_bytes'];

export interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Full GC twice (a second pass catches what the first one's finalizers freed), then read. */
export async function settledMemory(server: Pick<BenchServer, 'url' | 'child'>): Promise<Memory> {
  for (let i = 0; i < 2; i++) {
    server.child.kill('SIGUSR2');
    await sleep(500);
  }
  const m = await scrapeMetrics(server.url, MEMORY_METRICS);
  return {
    rss: rssOf(server.child.pid!),
    heapUsed: m.borealis_nodejs_heap_size_used_bytes!,
    external: m.borealis_nodejs_external_memory_bytes!,
  };
}


/**
 * The commit the bench runs on and the date; `+changes` when tracked files other than Markdown
 * had uncommitted edits (documents being written during a run do not change what it measures).
 */
export function runStamp(): string {
  const git = (args: string[]) => spawnSync('git', args, { encoding: 'utf8', cwd: fileURLToPath(new URL('.', import.meta.url)) });
  const head = git(['rev-parse', '--short', 'HEAD']);
  const commit = head.status === 0 ? head.stdout.trim() : 'unknown commit';
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  const edited = dirty.status === 0 ? dirty.stdout.split('\n').filter((l) => l.trim() !== '' && !l.endsWith('.md')) : [];
  const changes = edited.length > 0 ? ' +changes' : '';
  return `commit ${commit}${changes}, ${new Date().toISOString().slice(0, 10)}`;
}

/** One system in an interleaved comparison: `round` runs one measured (or warm-up) round. */
export interface Contender<R> {
  name: string;
  round(index: number, warmUp: boolean): Promise<R>;
}

/**
 * Interleaved rounds: A B C, A B C, ... so that drift of the machine (other load, thermal,
 * page cache) falls on every contender alike instead of on whichever ran last. `warmUps`
 * rounds of each go first and are not kept. Returns each contender's measured rounds, in order.
 */
export async function interleaved<R>(contenders: readonly Contender<R>[], rounds: number, warmUps = 1): Promise<Map<string, R[]>> {
  const out = new Map<string, R[]>(contenders.map((c) => [c.name, []]));
  for (let i = 0; i < warmUps + rounds; i++) {
    for (const c of contenders) {
      const r = await c.round(i, i < warmUps);
      if (i >= warmUps) out.get(c.name)!.push(r);
    }
  }
  return out;
}

export interface RatioSpread {
  /** a[i] / b[i] for each round i. */
  perRound: number[];
  median: number;
  min: number;
  max: number;
}

/** Ratios of two contenders' figures taken round by round (same round, same machine state). */
export function roundRatios(a: readonly number[], b: readonly number[]): RatioSpread {
  const perRound = a.slice(0, b.length).map((x, i) => x / b[i]!);
  const finite = perRound.filter(Number.isFinite);
  return { perRound, median: median(finite), min: Math.min(...finite), max: Math.max(...finite) };
}

/** "1.02 (0.95-1.10; rounds 0.95 / 1.02 / 1.10)" */
export function describeRatio(r: RatioSpread, digits = 2): string {
  return `${fmt(r.median, digits)} (${fmt(r.min, digits)}-${fmt(r.max, digits)}; rounds ${r.perRound.map((x) => fmt(x, digits)).join(' / ')})`;
}

/**
 * Stops a peer server started as a child (SIGTERM) and removes its scratch directory once it
 * has exited; at once when it is not running.
 */
export function stopChildAndRemove(child: ChildProcess, dir: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const cleanup = () => {
      rmSync(dir, { recursive: true, force: true });
      resolve();
    };
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return cleanup();
    child.once('exit', cleanup);
    child.kill('SIGTERM');
  });
}
