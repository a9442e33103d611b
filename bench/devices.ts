import { Agent, request } from 'node:http';
import type { DeviceCreds } from './fleet.js';
import { now } from './lib.js';

/** A keep-alive POST with node:http: the bench client costs the shared cores less than fetch. */
export function post(agent: Agent, url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const all = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers };
    const req = request(url, { method: 'POST', agent, headers: all }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Registers `count` devices through the public registration endpoint, `concurrency` requests
 * at a time, half android and half ios. Returns their credentials and the rate achieved.
 */
export async function registerDevices(
  url: string,
  appKey: string,
  count: number,
  concurrency = 50,
): Promise<{ devices: DeviceCreds[]; perSecond: number }> {
  const devices: DeviceCreds[] = new Array(count);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const started = now();
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const res = await post(agent, url + '/v1/devices/register', JSON.stringify({ app_key: appKey, platform: i % 2 === 0 ? 'android' : 'ios' }));
      const body = JSON.parse(res.body) as { registration_id?: string; device_secret?: string };
      if (res.status !== 200 || !body.registration_id || !body.device_secret) {
        throw new Error(`registration failed: ${res.status} ${res.body}`);
      }
      devices[i] = { rid: body.registration_id, secret: body.device_secret };
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, lane));
  } finally {
    // The server keeps no idle HTTP sockets of ours: its file descriptors go to devices.
    agent.destroy();
  }
  return { devices, perSecond: count / ((now() - started) / 1000) };
}

/** POST /v3/push with the app's master secret; returns the msg_id. */
export async function push(url: string, appKey: string, masterSecret: string, body: unknown): Promise<string> {
  const res = await fetch(url + '/v3/push', {
    method: 'POST',
    headers: {
      authorization: 'Basic ' + Buffer.from(`${appKey}:${masterSecret}`).toString('base64'),
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { msg_id?: string };
  if (!res.ok || !answer.msg_id) throw new Error(`push refused: ${res.status} ${JSON.stringify(answer)}`);
  return answer.msg_id;
}
