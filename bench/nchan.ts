import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canConnect, freePort } from './mosquitto.js';
import { sleep, stopChildAndRemove } from './lib.js';

/**
 * nginx with the nchan pub/sub module as a fan-out peer: one worker, a WebSocket subscriber
 * location and an HTTP publisher location on one channel, config written into a temporary
 * directory, nginx in the foreground as a child process. Debian ships it as `nginx-light` and
 * `libnginx-mod-nchan`; without them `startNchan` returns the reason and the bench skips it.
 */

export interface Nchan {
  /** ws:// URL of the subscriber location. */
  subscribeUrl: string;
  child: ChildProcess;
  /** nginx's error log (warnings and worse). */
  errorLog: string;
  /** Publishes one message to every subscriber; resolves with the time nginx answered. */
  publish(body: string): Promise<void>;
  stop(): Promise<void>;
}

const NGINX = process.env.NCHAN_NGINX ?? '/usr/sbin/nginx';
const MODULE = process.env.NCHAN_MODULE ?? '/usr/lib/nginx/modules/ngx_nchan_module.so';
/** As many open files as one process may hold here (see BENCHMARKS.md, "Machine and setup"). */
const MAX_FILES = 20_000;
/**
 * nginx's connection pool is not only sockets (nchan takes more than one slot per WebSocket
 * subscriber): with the pool at the file limit it closed subscribers ("worker_connections are
 * not enough, reusing connections") well before 19,500.
 */
const POOL = 65_536;

function config(dir: string, port: number): string {
  const temp = (name: string) => `${name} ${join(dir, 'tmp', name)};`;
  return [
    `load_module ${MODULE};`,
    'worker_processes 1;',
    `worker_rlimit_nofile ${MAX_FILES};`,
    'daemon off;',
    'master_process on;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} warn;`,
    `events { worker_connections ${POOL}; multi_accept on; }`,
    'http {',
    '  access_log off;',
    `  ${temp('client_body_temp_path')}`,
    `  ${temp('proxy_temp_path')}`,
    `  ${temp('fastcgi_temp_path')}`,
    `  ${temp('uwsgi_temp_path')}`,
    `  ${temp('scgi_temp_path')}`,
    '  tcp_nodelay on;',
    '  server {',
    `    listen 127.0.0.1:${port} backlog=4096;`,
    '    location = /sub { nchan_subscriber websocket; nchan_channel_id bench; }',
    '    location = /pub { nchan_publisher http; nchan_channel_id bench; nchan_message_buffer_length 1; }',
    '  }',
    '}',
    '',
  ].join('\n');
}

function post(port: number, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/pub', method: 'POST', headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode! < 300 ? resolve() : reject(new Error(`nchan publish answered ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Starts nginx with nchan, or says why it cannot (packages missing, nginx refused to start). */
export async function startNchan(): Promise<Nchan | string> {
  if (!existsSync(NGINX) || !existsSync(MODULE)) return `nginx or the nchan module is not installed (apt-get install nginx-light libnginx-mod-nchan)`;
  const dir = mkdtempSync(join(tmpdir(), 'borealis-bench-nchan-'));
  mkdirSync(join(dir, 'tmp'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, config(dir, port));
  // stderr only repeats what goes to the error log (read back when nginx does not start)
  const child = spawn(NGINX, ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf], { stdio: 'ignore' });
  // TERM is nginx's fast shutdown (QUIT would wait for open connections)
  const stop = () => stopChildAndRemove(child, dir);
  const failed = new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    child.once('exit', () => resolve(false));
  });
  for (let i = 0; i < 100; i++) {
    const up = await Promise.race([canConnect(port), failed]);
    if (up) return { subscribeUrl: `ws://127.0.0.1:${port}/sub`, child, errorLog: join(dir, 'error.log'), publish: (body) => post(port, body), stop };
    if (child.exitCode !== null || child.pid === undefined) break;
    await sleep(50);
  }
  const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8').trim().split('\n').at(-1) : '';
  await stop();
  return `nginx with nchan did not start${log ? `: ${log}` : ''}`;
}

/** The nginx worker (the process that does the fan-out), for CPU readings; the master if none is found. */
export function nchanWorkerPid(n: Nchan): number {
  try {
    const children = readFileSync(`/proc/${n.child.pid}/task/${n.child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    if (children.length > 0 && children[0]! > 0) return children[0]!;
  } catch {
    // no /proc children file: fall back to the master
  }
  return n.child.pid!;
}
