import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** Runs the real `borealis` CLI (from source, through tsx) to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without blocking the event loop (for tests whose own sockets must keep working). */
export function runCliAsync(args: string[], env: Record<string, string> = {}, input?: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stdout: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `borealis serve` in a child process and waits until it reports its URL. With
 * `bareFlags`, the flags are given without the command, as `borealis --port 0 ...`.
 */
export function startServe(args: string[], options: { bareFlags?: boolean } = {}): Promise<ServeProcess> {
  const command = options.bareFlags ? [] : ['serve'];
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...command, '--port', '0', ...args], {
    env: { ...process.env },
  });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start:\n${out}\n${err}`));
    }, 30_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m && !('resolved' in child)) {
        Object.assign(child, { resolved: true });
        clearTimeout(timer);
        resolve({
          child,
          url: m[1]!,
          stdout: () => out,
          stop(signal = 'SIGTERM') {
            return new Promise((res) => {
              // exited already (a process killed by a signal has a signalCode and no exitCode)
              if (child.exitCode !== null || child.signalCode !== null) return res(child.exitCode);
              child.once('exit', (code) => res(code));
              child.kill(signal);
            });
          },
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${out}\n${err}`));
    });
  });
}
