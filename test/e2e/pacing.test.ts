import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, startServe, type ServeProcess } from '../helpers/cli.js';
import { settle, startClient, type TestClient } from '../helpers/devices.js';
import { call, startTestServer } from '../helpers/server.js';
import { RawDevice } from '../helpers/raw-device.js';

const DEVICES = 2000;
/** One minute of big_push_duration lasts this long here: 2 minutes -> 30 s. */
const MINUTE_MS = 15_000;
const DURATION_MIN = 2;
const TOTAL_MS = DURATION_MIN * MINUTE_MS;
/** JPush's 10 s buckets, scaled like the minute. */
const BUCKET_MS = (10_000 * MINUTE_MS) / 60_000;

interface Creds {
  appKey: string;
  masterSecret: string;
}

async function json(url: string, method: string, creds: Creds | null, body?: unknown): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (creds) headers.authorization = 'Basic ' + Buffer.from(`${creds.appKey}:${creds.masterSecret}`).toString('base64');
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

test('a paced push to 2,000 devices spreads evenly and resumes after kill -9 with nothing lost or repeated', { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-pacing-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ logLevel: 'info', delivery: { pacingMinuteMs: MINUTE_MS }, limits: { registrationsPerAddress: 0 } }));
  const created = runCli(['app', 'create', '--name', 'paced', '--json', '--data', dir, '--config', configFile]);
  assert.equal(created.status, 0, created.stderr);
  const creds = JSON.parse(created.stdout) as Creds;
  let server: ServeProcess = await startServe(['--data', dir, '--config', configFile]);
  const port = new URL(server.url).port;
  const devices: RawDevice[] = [];
  try {
    const ids = Array.from({ length: DEVICES }, (_, i) => i);
    await inBatches(ids, 50, async () => {
      const r = await json(server.url + '/v1/devices/register', 'POST', null, { app_key: creds.appKey, platform: 'android' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const b = r.body as { registration_id: string; device_secret: string };
      devices.push(new RawDevice(() => server.url, b.registration_id, b.device_secret));
    });
    await inBatches(devices, 200, (d) => d.connect());
    await until(() => devices.every((d) => d.open), 60_000, 'every device connected');

    const pushedAt = Date.now();
    const pushed = await json(server.url + '/v3/push', 'POST', creds, {
      platform: 'all',
      audience: 'all',
      notification: { alert: 'paced' },
      options: { big_push_duration: DURATION_MIN, time_to_live: 600 },
    });
    assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
    const msgId = (pushed.body as { msg_id: string }).msg_id;
    const delivered = () => devices.filter((d) => d.arrivals.length > 0).length;

    // Not all at once: after a fifth of the duration, roughly a fifth is out.
    await new Promise((r) => setTimeout(r, TOTAL_MS / 5));
    const early = delivered();
    assert.ok(early > DEVICES * 0.05 && early < DEVICES * 0.4, `after ${TOTAL_MS / 5} ms ${early} devices had it`);

    // Progress shows in the Report API.
    const detail = await json(`${server.url}/v3/messages/detail?msg_ids=${msgId}`, 'GET', creds);
    const progress = (detail.body as { big_push: { duration: number; target: number; released: number; finished: boolean } }[])[0]!.big_push;
    assert.equal(progress.duration, DURATION_MIN);
    assert.equal(progress.target, DEVICES);
    assert.equal(progress.finished, false);
    assert.ok(progress.released > 0 && progress.released < DEVICES, JSON.stringify(progress));

    await until(() => delivered() >= DEVICES * 0.4, TOTAL_MS, '40% delivered');
    const killedAt = Date.now();
    await server.stop('SIGKILL');
    const beforeKill = delivered();
    assert.ok(beforeKill < DEVICES, 'the kill came before the end');
    server = await startServe(['--data', dir, '--config', configFile, '--port', port]);
    const restartedAt = Date.now();
    // devices released while they were reconnecting get the push as they come back, bunched;
    // the spread is judged from when all are connected again
    await until(() => devices.every((d) => d.open), 60_000, 'every device reconnected');
    const reconnectedAt = Date.now();

    await until(() => delivered() === DEVICES, TOTAL_MS * 2 + 60_000, `all ${DEVICES} delivered (have ${delivered()})`);
    const doneAt = Date.now();

    // Nothing lost: every device has it. Nothing repeated, beyond at-least-once delivery's own
    // window: a device may see the push twice only if its first copy arrived in the last moments
    // before the kill, when its acknowledgement may not have been saved yet.
    const repeated = devices.filter((d) => d.arrivals.length > 1);
    for (const d of repeated) {
      assert.ok(d.arrivals[0]! > killedAt - 1500, `a device got the push at +${d.arrivals[0]! - pushedAt} ms and again after the restart`);
      assert.ok(d.arrivals.slice(1).every((t) => t >= killedAt), 'repeats only across the restart');
    }
    assert.ok(repeated.length < DEVICES * 0.05, `${repeated.length} devices got the push twice`);

    // An even spread: per bucket, the first arrivals before the kill and after the restart
    // (buckets the kill or the reconnects touch are left out) stay near the average rate.
    const perBucket = (DEVICES / TOTAL_MS) * BUCKET_MS;
    const buckets = new Map<number, number>();
    for (const d of devices) {
      const b = Math.floor((d.arrivals[0]! - pushedAt) / BUCKET_MS);
      buckets.set(b, (buckets.get(b) ?? 0) + 1);
    }
    const quiet = (b: number) => {
      const start = pushedAt + b * BUCKET_MS;
      const end = start + BUCKET_MS;
      const beforeKill = end <= killedAt;
      const afterRestart = start >= reconnectedAt + 500 && end <= doneAt - BUCKET_MS;
      return beforeKill || afterRestart;
    };
    const checked: string[] = [];
    const last = Math.floor((doneAt - pushedAt) / BUCKET_MS);
    for (let b = 0; b <= last; b++) {
      const n = buckets.get(b) ?? 0;
      if (!quiet(b)) continue;
      checked.push(`${b}:${n}`);
      assert.ok(Math.abs(n - perBucket) <= perBucket * 0.4, `bucket ${b} had ${n} first arrivals, expected ~${perBucket.toFixed(0)} (${[...buckets].join(' ')})`);
    }
    t.diagnostic(`first arrivals per ${BUCKET_MS} ms bucket: ${[...buckets].sort((a, b) => a[0] - b[0]).map(([b, n]) => `${b}:${n}`).join(' ')}`);
    t.diagnostic(`killed at +${killedAt - pushedAt} ms with ${beforeKill} delivered; restarted at +${restartedAt - pushedAt} ms, reconnected at +${reconnectedAt - pushedAt} ms; all at +${doneAt - pushedAt} ms; ${repeated.length} repeats`);
    assert.ok(checked.length >= 4, `too few undisturbed buckets to judge the spread: ${checked.join(' ')}`);

    await until(
      async () => {
        const r = await json(`${server.url}/v3/messages/detail?msg_ids=${msgId}`, 'GET', creds);
        const entry = (r.body as { big_push: { released: number; finished: boolean }; details: { notification: { received: number } } }[])[0]!;
        return entry.big_push.finished && entry.big_push.released === DEVICES && entry.details.notification.received === DEVICES;
      },
      10_000,
      'the report to show the push finished and received by all',
    );
  } finally {
    for (const d of devices) d.close();
    await server.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a paced push holds back devices not yet released, even when they connect, and stops when revoked', { timeout: 60_000 }, async () => {
  // one minute of big_push_duration lasts 4 s here: 20 devices, one every 200 ms
  const server = await startTestServer({ delivery: { pacingMinuteMs: 4000 } });
  const clients: TestClient[] = [];
  try {
    for (let i = 0; i < 20; i++) clients.push(await startClient(server, server.app, { tags: ['paced'], connect: i < 10 }));
    const res = await call(server, 'POST', '/v3/push', {
      body: { platform: 'all', audience: { tag: ['paced'] }, notification: { alert: 'slow' }, options: { big_push_duration: 1 } },
    });
    assert.equal(res.status, 200, res.text);
    const msgId = (res.body as { msg_id: string }).msg_id;
    const got = () => clients.filter((c) => c.pushes.length > 0).length;
    await until(() => got() >= 3, 5000, 'the first slices');
    assert.ok(got() < 10, `${got()} devices had it within the first slices`);
    // the offline half connects now: only those already released get it
    for (const c of clients.slice(10)) await c.client.connect();
    await settle(100);
    const released = Number(
      ((await call(server, 'GET', `/v3/messages/detail?msg_ids=${msgId}`)).body as { big_push: { released: number } }[])[0]!.big_push.released,
    );
    assert.ok(got() <= released + 2, `${got()} devices have it, ${released} released`);
    const revoked = await call(server, 'DELETE', `/v3/push/${msgId}`);
    assert.equal(revoked.status, 200, revoked.text);
    const atRevoke = got();
    await settle(1500);
    assert.equal(got(), atRevoke, 'nothing more goes out after the revoke');
    assert.ok(atRevoke < 20);
    const detail = (await call(server, 'GET', `/v3/messages/detail?msg_ids=${msgId}`)).body as { big_push: { finished: boolean; released: number } }[];
    assert.equal(detail[0]!.big_push.finished, true);
    assert.ok(detail[0]!.big_push.released < 20);
  } finally {
    for (const c of clients) await c.close();
    await server.close();
  }
});

