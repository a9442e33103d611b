import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { DeviceCreds } from './fleet.js';
import { now } from './lib.js';

/**
 * One client process of the latency bench: its devices speak the device protocol over raw `ws`,
 * acknowledge every push at once, and note when each msg_id first arrived (and how often one
 * arrived again). The parent collects the arrivals and joins them with its send times.
 */

export type ToLatencyWorker = { cmd: 'connect'; url: string; devices: DeviceCreds[]; address: string } | { cmd: 'collect' } | { cmd: 'close' };
export type FromLatencyWorker =
  | { ev: 'connected'; ready: number; failed: number; readyIds: string[] }
  | { ev: 'arrivals'; arrivals: [string, number][]; duplicates: number }
  | { ev: 'closed' };

const IN_FLIGHT = 200;
let sockets: WebSocket[] = [];
let arrivals: [string, number][] = [];
let duplicates = 0;
const seen = new Set<string>();

function reply(m: FromLatencyWorker): void {
  process.send!(m);
}

function open(url: string, creds: DeviceCreds, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress: address });
    sockets.push(ws);
    let settled = false;
    const settle = (ok: boolean) => {
      if (!settled) resolve(ok);
      settled = true;
    };
    ws.on('open', () => ws.send(JSON.stringify({ t: 'auth', v: 1, registration_id: creds.rid, device_secret: creds.secret })));
    ws.on('message', (data: Buffer) => {
      const f = JSON.parse(data.toString()) as { t: string; msg_id?: string };
      if (f.t === 'push') {
        const id = f.msg_id!;
        if (seen.has(id)) duplicates++;
        else {
          seen.add(id);
          arrivals.push([id, now()]);
        }
        ws.send(`{"t":"ack","msg_ids":["${id}"]}`);
      } else if (f.t === 'ready') settle(true);
    });
    ws.on('error', () => settle(false));
    ws.on('close', () => settle(false));
  });
}

async function connect(m: Extract<ToLatencyWorker, { cmd: 'connect' }>): Promise<void> {
  let next = 0;
  let failed = 0;
  const readyIds: string[] = [];
  const lane = async () => {
    while (next < m.devices.length) {
      const d = m.devices[next++]!;
      if (await open(m.url, d, m.address)) readyIds.push(d.rid);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  reply({ ev: 'connected', ready: readyIds.length, failed, readyIds });
}

process.on('message', (m: ToLatencyWorker) => {
  if (m.cmd === 'connect') void connect(m);
  else if (m.cmd === 'collect') {
    reply({ ev: 'arrivals', arrivals, duplicates });
    arrivals = [];
    duplicates = 0;
  } else {
    for (const ws of sockets) (ws as unknown as { _socket?: Socket })._socket?.resetAndDestroy();
    sockets = [];
    reply({ ev: 'closed' });
  }
});
process.on('disconnect', () => process.exit(0));
