import autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { cpuSeconds } from './cpu-watch.js';
import { registerDevices } from './devices.js';
import { CLI, fmt, median, startBenchServer } from './lib.js';

/**
 * Signed EMAS `Push` requests per second against JPush pushes of the same content, on one
 * server in the same run, in interleaved rounds. Every EMAS request is signed afresh (its own
 * SignatureNonce, HMAC-SHA1 over the canonical query), as Alibaba's SDKs do: a replayed one
 * would be refused. The signed bodies of a round are made just before it (each good for the
 * 15 minutes of POP's Timestamp window), and both routes hand autocannon a ready body per
 * request, so the load generator, which shares the machine's cores with the server, works
 * alike on both sides.
 */

const CONNECTIONS = 50;
/**
 * Each push adds rows (the push, its inbox entries) and the store's inserts get dearer as the
 * file grows, so the route that runs second in a round meets a larger file: the order
 * alternates (JPush first in even rounds, EMAS first in odd ones) to cancel that drift.
 */
const ROUNDS = 5;
const PRESIGNED_PER_SECOND = 5000;
/** StoreOffline's default lifetime on EMAS, and the JPush push's time_to_live to match it. */
const OFFLINE_SECONDS = 72 * 3600;

function popEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function signedForm(secret: string, params: Record<string, string>): string {
  const all: Record<string, string> = {
    Format: 'JSON',
    Version: '2016-08-01',
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...params,
  };
  const canonical = Object.keys(all)
    .sort()
    .map((k) => `${popEncode(k)}=${popEncode(all[k]!)}`)
    .join('&');
  const signature = createHmac('sha1', secret + '&').update(`POST&%2F&${popEncode(canonical)}`).digest('base64');
  return `${canonical}&Signature=${popEncode(signature)}`;
}

interface Run {
  label: string;
  rps: number;
  p99: number;
  failed: number;
  cpuPerRequest: number;
}

async function run(label: string, pid: number, seconds: number, opts: autocannon.Options): Promise<Run> {
  const before = cpuSeconds(pid);
  const r = await autocannon({ connections: CONNECTIONS, pipelining: 1, duration: seconds, ...opts });
  const cpu = cpuSeconds(pid) - before;
  return { label, rps: r.requests.average, p99: r.latency.p99, failed: r.non2xx + r.errors, cpuPerRequest: (cpu * 1e6) / Math.max(1, r.requests.total) };
}

export async function benchEmasAccept(seconds: number): Promise<string[]> {
  const server = await startBenchServer({ store: { synchronous: 'full' } });
  try {
    const configFile = join(server.dir, 'config.json');
    const created = spawnSync(process.execPath, [CLI, 'app', 'accesskey', server.appKey, 'create', '--json', '--data', server.dir, '--config', configFile], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(created.stderr);
    const key = JSON.parse(created.stdout) as { accessKeyId: string; accessKeySecret: string; emasAppKey: number };
    const { devices } = await registerDevices(server.url, server.appKey, 3, 3);
    const rids = devices.map((d) => d.rid);

    const jpushBody = JSON.stringify({
      platform: ['android', 'ios'],
      audience: { registration_id: rids },
      notification: {
        android: { alert: 'Your order has shipped', title: 'Order update', extras: { order: '81234', kind: 'shipping' } },
        ios: { alert: { title: 'Order update', body: 'Your order has shipped' }, sound: 'default', badge: '+1', extras: { order: '81234', kind: 'shipping' } },
      },
      // EMAS's StoreOffline without ExpireTime: kept 72 hours from when the push is accepted
      options: { time_to_live: OFFLINE_SECONDS, apns_production: false },
    });
    const emasParams = {
      Action: 'Push',
      AccessKeyId: key.accessKeyId,
      AppKey: String(key.emasAppKey),
      PushType: 'NOTICE',
      DeviceType: 'ALL',
      Target: 'DEVICE',
      TargetValue: rids.join(','),
      Title: 'Order update',
      Body: 'Your order has shipped',
      AndroidExtParameters: '{"order":"81234","kind":"shipping"}',
      iOSExtParameters: '{"order":"81234","kind":"shipping"}',
      iOSMusic: 'default',
      iOSBadgeAutoIncrement: 'true',
      StoreOffline: 'true',
    };
    const pid = server.child.pid!;
    const jpush = () =>
      run('POST /v3/push (JPush, Basic auth)', pid, seconds, {
        url: server.url + '/v3/push',
        method: 'POST',
        headers: { authorization: 'Basic ' + Buffer.from(`${server.appKey}:${server.masterSecret}`).toString('base64'), 'content-type': 'application/json' },
        requests: [{ setupRequest: (req) => ({ ...req, body: jpushBody }) }],
      });
    // No ExpireTime: an absolute time signed ahead of the round would give every push of the
    // round the same expiry, where JPush's time_to_live counts from each push's acceptance
    // (and inserts of one expiry over and over cost the store more than rising ones).
    const sign = () => signedForm(key.accessKeySecret, emasParams);
    const emas = (label = 'POST / Action=Push (EMAS, signed)', forSeconds = seconds) => {
      // more than a round can use on this machine; should it run out, bodies are signed on the fly
      const bodies = Array.from({ length: PRESIGNED_PER_SECOND * forSeconds }, sign);
      let next = 0;
      return run(label, pid, forSeconds, {
        url: server.url + '/',
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        requests: [{ setupRequest: (req) => ({ ...req, body: next < bodies.length ? bodies[next++]! : sign() }) }],
      });
    };
    // both routes warmed up (compiled by the JIT) before the first measured round
    await run('warm-up', pid, 2, { url: server.url + '/v3/push', method: 'POST', headers: { authorization: 'Basic ' + Buffer.from(`${server.appKey}:${server.masterSecret}`).toString('base64') }, body: jpushBody });
    await emas('warm-up', 2);
    const runs: Run[][] = [[], []];
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2 === 0) {
        runs[0]!.push(await jpush());
        runs[1]!.push(await emas());
      } else {
        runs[1]!.push(await emas());
        runs[0]!.push(await jpush());
      }
    }
    const ratios = runs[1]!.map((x, i) => x.rps / runs[0]![i]!.rps);
    const lines = [
      `autocannon, ${CONNECTIONS} connections, ${seconds} s per route and round, ${ROUNDS} rounds (JPush first, then EMAS first, alternately), store.synchronous = full; ` +
        'each push names 3 registered (offline) devices.',
      '',
      '| route | req/s (median) | p99 ms | failed | server CPU µs/req | per round req/s |',
      '|---|---|---|---|---|---|',
    ];
    for (const rs of runs) {
      lines.push(
        `| ${rs[0]!.label} | ${fmt(median(rs.map((x) => x.rps)))} | ${fmt(median(rs.map((x) => x.p99)), 1)} | ${rs.reduce((n, x) => n + x.failed, 0)} | ` +
          `${fmt(median(rs.map((x) => x.cpuPerRequest)), 1)} | ${rs.map((x) => fmt(x.rps)).join(' / ')} |`,
      );
    }
    lines.push('', `EMAS / JPush req/s per round: ${ratios.map((x) => fmt(x, 2)).join(' / ')}; median **${fmt(median(ratios), 2)}** (target ≥ 0.8).`, '');
    return lines;
  } finally {
    await server.stop();
  }
}
