import { fork, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importPKCS8, SignJWT } from 'jose';
import { hashSecret } from '../src/apps/credentials.js';
import { loadConfig } from '../src/config.js';
import { openStore } from '../src/node.js';
import { makeCertificate } from '../test/helpers/tls.js';
import { post } from './devices.js';
import { CLI, GC_HOOK_ARGS, fmt, mib, now, settledMemory, sleep, startBenchServer } from './lib.js';

/**
 * Relay throughput and queue memory:
 * - notifications per second from POST /v3/push (a broadcast to N iOS devices with APNs tokens)
 *   until the fake APNs accepted every one, against a bare HTTP/2 client loop sending the same
 *   requests (same headers, JWT and payload, same sessions and streams in flight) to the same
 *   fake, in the same run. The fake runs in its own process for both.
 * - the server's memory with a 100,000-device broadcast waiting in the relay queue.
 */

const TOPIC = 'com.example.bench';
const FAKE = fileURLToPath(new URL('./fake-apns-process.js', import.meta.url));
const SESSIONS = 2;
const IN_FLIGHT = 500;

interface FakeHandle {
  origin: string;
  p8: string;
  keyId: string;
  teamId: string;
  count(): Promise<number>;
  stop(): Promise<void>;
}

async function startFake(dir: string): Promise<FakeHandle & { caFile: string }> {
  const tls = makeCertificate(dir, ['127.0.0.1']);
  const child = fork(FAKE, [tls.cert, tls.key, TOPIC], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const hello = await new Promise<{ origin: string; p8: string; keyId: string; teamId: string }>((resolve) => child.once('message', resolve as never));
  const ask = (what: string) =>
    new Promise<number>((resolve) => {
      child.once('message', (m: { count: number }) => resolve(m.count));
      child.send({ ask: what });
    });
  return {
    ...hello,
    caFile: tls.cert,
    count: () => ask('count'),
    stop: () => new Promise((resolve) => (child.once('exit', () => resolve()), child.send({ ask: 'stop' }))),
  };
}

/** N iOS devices with APNs tokens, written straight into the store before the server starts. */
async function seedDevices(dir: string, configFile: string, appKey: string, n: number): Promise<void> {
  const store = openStore(loadConfig({ dataDir: dir, configFile }));
  const secret = hashSecret('bench');
  for (let i = 0; i < n; i++) {
    await store.devices.insert({ appKey, registrationId: `b${String(i).padStart(18, '0')}`, platform: 'ios', secretHash: secret, alias: null, mobile: null, tokens: { apns: randomBytes(32).toString('hex') }, createdAt: Date.now() });
  }
  await store.close();
}

function setChannel(dir: string, configFile: string, appKey: string, fake: FakeHandle): void {
  const p8 = join(dir, 'bench.p8');
  writeFileSync(p8, fake.p8);
  const r = spawnSync(process.execPath, [CLI, 'app', 'channel', appKey, 'apns', '--p8', p8, '--key-id', fake.keyId, '--team-id', fake.teamId, '--topic', TOPIC, '--data', dir, '--config', configFile], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}

function progress(what: string): void {
  process.stderr.write(`relay bench: ${what}\n`);
}

async function waitCount(fake: FakeHandle, target: number, timeoutMs: number): Promise<number> {
  const end = now() + timeoutMs;
  let n = 0;
  while ((n = await fake.count()) < target && now() < end) await sleep(5);
  return n;
}

/** The ceiling: the same requests from a plain node:http2 loop, no store, no routing. */
async function bareLoop(fake: FakeHandle, caFile: string, n: number): Promise<number> {
  const ca = readFileSync(caFile, 'utf8');
  const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: fake.keyId }).setIssuer(fake.teamId).setIssuedAt().sign(await importPKCS8(fake.p8, 'ES256'));
  const sessions = Array.from({ length: SESSIONS }, () => http2.connect(fake.origin, { ca }));
  const payload = JSON.stringify({ aps: { alert: 'bench' }, _j_msgid: 1 });
  const start = await fake.count();
  const t0 = now();
  let next = 0;
  const lane = async (k: number) => {
    while (next < n) {
      next++;
      const token = randomBytes(32).toString('hex');
      await new Promise<void>((resolve, reject) => {
        const s = sessions[k % SESSIONS]!.request({
          ':method': 'POST',
          ':path': `/3/device/${token}`,
          authorization: `bearer ${jwt}`,
          'apns-push-type': 'alert',
          'apns-topic': TOPIC,
          'apns-priority': '10',
          'apns-expiration': '0',
          'apns-id': randomUUID(),
          'content-type': 'application/json',
        });
        s.on('response', () => undefined);
        s.on('data', () => undefined);
        s.on('close', () => resolve());
        s.on('error', reject);
        s.end(payload);
      });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, k) => lane(k)));
  const elapsed = now() - t0;
  for (const s of sessions) s.close();
  if ((await fake.count()) - start < n) throw new Error('bare loop: the fake did not accept every request');
  return (n / elapsed) * 1000;
}

async function borealisRound(n: number, fake: FakeHandle & { caFile: string }): Promise<{ perSecond: number; acceptMs: number }> {
  const config = {
    store: { synchronous: 'normal' },
    channels: { caFile: fake.caFile, apns: { endpoint: fake.origin, sandboxEndpoint: fake.origin, sessions: SESSIONS, concurrency: IN_FLIGHT } },
  };
  const server = await startBenchServer(config, [], (dir, configFile, appKey) => {
    setChannel(dir, configFile, appKey, fake);
    return seedDevices(dir, configFile, appKey, n);
  });
  try {
    const agent = new Agent({ keepAlive: true });
    const auth = 'Basic ' + Buffer.from(`${server.appKey}:${server.masterSecret}`).toString('base64');
    const start = await fake.count();
    const t0 = now();
    const res = await post(agent, server.url + '/v3/push', JSON.stringify({ platform: ['ios'], audience: 'all', notification: { alert: 'bench' }, options: { apns_production: false } }), { authorization: auth });
    const acceptMs = now() - t0;
    if (res.status !== 200) throw new Error(res.body);
    const got = await waitCount(fake, start + n, 120_000);
    const elapsed = now() - t0;
    if (got - start < n) throw new Error(`relay: only ${got - start} of ${n} reached the fake`);
    agent.destroy();
    return { perSecond: (n / elapsed) * 1000, acceptMs };
  } finally {
    await server.stop();
  }
}

async function queueMemory(n: number, fake: FakeHandle & { caFile: string }): Promise<string[]> {
  // the relay barely drains (1 request/s), so the broadcast waits in the queue while memory is read
  const config = {
    store: { synchronous: 'normal' },
    channels: { caFile: fake.caFile, apns: { endpoint: fake.origin, sandboxEndpoint: fake.origin }, relay: { ratePerSecond: 1, concurrency: 1, sliceDevices: 1000 } },
  };
  const server = await startBenchServer(config, GC_HOOK_ARGS, (dir, configFile, appKey) => {
    setChannel(dir, configFile, appKey, fake);
    return seedDevices(dir, configFile, appKey, n);
  });
  try {
    const before = await settledMemory(server);
    const agent = new Agent({ keepAlive: true });
    const auth = 'Basic ' + Buffer.from(`${server.appKey}:${server.masterSecret}`).toString('base64');
    const res = await post(agent, server.url + '/v3/push', JSON.stringify({ platform: ['ios'], audience: 'all', notification: { alert: 'waiting' } }), { authorization: auth });
    if (res.status !== 200) throw new Error(res.body);
    await sleep(1000);
    const after = await settledMemory(server);
    agent.destroy();
    const slices = Math.ceil(n / 1000);
    return [
      `- ${fmt(n)}-device broadcast waiting in the relay queue (${fmt(slices)} slices of 1,000 devices, one row each): RSS ${mib(before.rss)} → ${mib(after.rss)} MiB, heap ${mib(before.heapUsed)} → ${mib(after.heapUsed)} MiB, external ${mib(before.external)} → ${mib(after.external)} MiB (after a full GC; the delta includes the push's own target bitmap and delivery state).`,
    ];
  } finally {
    await server.stop();
  }
}

export async function benchRelay(): Promise<string[]> {
  const n = Number(process.env.BENCH_RELAY_DEVICES ?? 20_000);
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const fake = await startFake(mkdtempSync(join(tmpdir(), 'borealis-bench-apns-')));
  try {
    // warm-up of both paths (TLS, JIT), then measured rounds interleaved
    progress('warm-up');
    await bareLoop(fake, fake.caFile, 2000);
    const bare: number[] = [];
    const relayed: { perSecond: number; acceptMs: number }[] = [];
    for (let round = 0; round < 2; round++) {
      progress(`round ${round + 1}: bare loop`);
      bare.push(await bareLoop(fake, fake.caFile, n));
      progress(`round ${round + 1}: Borealis`);
      relayed.push(await borealisRound(n, fake));
    }
    const best = (xs: number[]) => Math.max(...xs);
    const relayBest = best(relayed.map((r) => r.perSecond));
    const bareBest = best(bare);
    const lines = [
      `Broadcast to ${fmt(n)} iOS devices with APNs tokens, relayed to a fake APNs (HTTP/2 over TLS, checks every JWT and header) in its own process; ${SESSIONS} HTTP/2 sessions, ${IN_FLIGHT} streams in flight, both paths. Best of 2 interleaved rounds.`,
      '',
      '| path | notifications / s (rounds) |',
      '|---|---|',
      `| Borealis: POST /v3/push → relay queue → APNs channel → fake | ${fmt(relayBest)} (${relayed.map((r) => fmt(r.perSecond)).join(', ')}); accept answered in ${relayed.map((r) => fmt(r.acceptMs, 1)).join(', ')} ms |`,
      `| bare node:http2 loop, same requests → fake | ${fmt(bareBest)} (${bare.map((b) => fmt(b)).join(', ')}) |`,
      '',
      `Relay / bare: ${fmt(relayBest / bareBest, 2)}.`,
      '',
    ];
    progress('queue memory');
    lines.push(...(await queueMemory(Number(process.env.BENCH_QUEUE_DEVICES ?? 100_000), fake)));
    lines.push('');
    return lines;
  } finally {
    await fake.stop();
  }
}
