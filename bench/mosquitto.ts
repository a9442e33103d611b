import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, stopChildAndRemove } from './lib.js';

export interface Broker {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Starts a private Mosquitto broker in the foreground on a free loopback port with a
 * throwaway config (anonymous, no connection cap, no persistence, TCP_NODELAY like ws).
 * Returns null when no mosquitto binary can be run.
 */
export async function startMosquitto(): Promise<Broker | null> {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-bench-mqtt-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'max_connections -1',
      'persistence false',
      'set_tcp_nodelay true',
      'max_queued_messages 1000',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  // On PATH, or named by MOSQUITTO (distributions install it in an sbin directory).
  const bin = process.env.MOSQUITTO ?? 'mosquitto';
  const child = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  const failed = new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    child.once('exit', () => resolve(false));
  });
  const stop = () => stopChildAndRemove(child, dir);
  for (let i = 0; i < 100; i++) {
    const up = await Promise.race([canConnect(port), failed]);
    if (up) return { port, child, stop };
    if (child.exitCode !== null || child.pid === undefined) break;
    await sleep(50);
  }
  await stop();
  return null;
}
