import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled CLI; benchmarks run the real server in its own process. */
export const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `${cpus().length} x ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export interface BenchServer {
  url: string;
  appKey: string;
  masterSecret: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `borealis serve` on a fresh data directory with the given config and one unthrottled app. */
export async function startBenchServer(config: Record<string, unknown>): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-bench-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ logLevel: 'warn', ...config }));
  const created = spawnSync(process.execPath, [CLI, 'app', 'create', '--name', 'bench', '--json', '--data', dir, '--config', configFile], {
    encoding: 'utf8',
  });
  if (created.status !== 0) throw new Error(created.stderr);
  const creds = JSON.parse(created.stdout) as { appKey: string; masterSecret: string };
  spawnSync(process.execPath, [CLI, 'app', 'limits', creds.appKey, '--rate-limit', '0', '--broadcasts-per-day', '0', '--data', dir, '--config', configFile]);
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data', dir, '--config', configFile], {
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
    ...creds,
    child,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
