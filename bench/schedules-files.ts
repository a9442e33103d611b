import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/apps/app-directory.js';
import type { Credentials } from '../src/apps/credentials.js';
import { DEFAULT_CONFIG, type Config } from '../src/config.js';
import { startNode, type RunningNode } from '../src/node.js';
import { formatLocalDateTime } from '../src/schedules/trigger.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { uploadLines } from '../test/helpers/multipart.js';
import { fmt, mib, sleep } from './lib.js';

const SCHEDULES = Number(process.env.BENCH_SCHEDULES ?? 10_000);
const FILE_IDS = Number(process.env.BENCH_FILE_IDS ?? 1_000_000);

function benchConfig(dir: string): Config {
  const config: Config = structuredClone(DEFAULT_CONFIG);
  config.dataDir = dir;
  config.port = 0;
  config.logLevel = 'silent';
  config.limits.requestsPerWindow = 0;
  config.schedules.maxPerApp = SCHEDULES;
  config.files.maxBytes = 64 * 1024 * 1024;
  config.http.requestTimeoutMs = 600_000; // the whole upload must arrive within it
  return config;
}

/**
 * SCHEDULES single schedules all due at the same second, each a push to one tag of 100
 * devices: the time from that second until every run is recorded with its msg_id (claimed,
 * validated, planned, stored with an fsync'd commit per batch).
 */
export async function benchSchedules(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-bench-schedules-'));
  let node: RunningNode | undefined;
  try {
    node = await startNode(benchConfig(dir));
    const { store, registry } = node.ctx;
    const app = await createApp(store, 'bench');
    for (let i = 0; i < 100; i++) {
      const creds = await registry.register(app.appKey, { platform: i % 2 ? 'ios' : 'android' });
      const device = await registry.get(app.appKey, creds.registrationId);
      await registry.changeTags(device!, ['bench'], []);
    }
    const dueAt = Math.ceil((Date.now() + 3000) / 1000) * 1000;
    const push = { platform: 'all', audience: { tag: ['bench'] }, notification: { alert: 'scheduled' } };
    const trigger = { single: { time: formatLocalDateTime(dueAt, node.ctx.config.schedules.utcOffsetMinutes) } };
    const db = (store as SqliteStore).db;
    db.transaction(() => {
      for (let i = 0; i < SCHEDULES; i++) {
        const now = Date.now();
        void store.schedules.insert({
          scheduleId: randomUUID(), appKey: app.appKey, name: `s${i}`, enabled: true, kind: 'single',
          trigger, push, cid: null, createdAt: now, updatedAt: now, nextAt: dueAt,
        });
      }
    })();
    const done = db.prepare('SELECT count(*) FROM schedule_runs WHERE done_at IS NOT NULL').pluck();
    const ok = db.prepare('SELECT count(*) FROM schedule_runs WHERE msg_id IS NOT NULL').pluck();
    let firstDoneAt = 0;
    for (;;) {
      const n = Number(done.get());
      if (n > 0 && firstDoneAt === 0) firstDoneAt = Date.now();
      if (n >= SCHEDULES) break;
      if (Date.now() - dueAt > 300_000) throw new Error(`only ${n} of ${SCHEDULES} runs after 5 minutes`);
      await sleep(20);
    }
    const allDone = Date.now();
    const seconds = (allDone - dueAt) / 1000;
    return [
      `${fmt(SCHEDULES)} single schedules due at the same second, each a push to a tag of 100 devices ` +
        `(scheduler polling every ${node.ctx.config.schedules.pollMs} ms, claims of 500 per transaction, synchronous = full):`,
      '',
      `- all ${fmt(SCHEDULES)} runs accepted and recorded ${fmt(seconds, 2)} s after the due second ` +
        `(first run recorded after ${fmt((firstDoneAt - dueAt) / 1000, 2)} s): ${fmt(SCHEDULES / seconds)} scheduled pushes/s; ` +
        `${fmt(Number(ok.get()))} with a msg_id.`,
      '',
    ];
  } finally {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A file push to FILE_IDS registration ids: devices written straight into the store, then
 * the file uploaded over HTTP (streamed) and pushed with POST /v3/push/file. Times both and
 * samples this process's memory (server and client share it) throughout.
 */
export async function benchFilePush(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-bench-file-'));
  let node: RunningNode | undefined;
  try {
    const t0 = performance.now();
    const app = await writeDevices(join(dir, 'borealis.db'));
    const built = (performance.now() - t0) / 1000;
    node = await startNode(benchConfig(dir));
    const rid = (num: number) => `f${num.toString(36).padStart(14, '0')}`;
    function* ids(): Generator<string> {
      for (let i = 0; i < FILE_IDS; i++) yield rid(i);
    }
    const sampler = memorySampler();
    const t1 = performance.now();
    const up = await uploadLines(`${node.url}/v3/files/registration_id`, app, ids());
    const uploadSeconds = (performance.now() - t1) / 1000;
    const uploadPeak = sampler.peak();
    if (up.status !== 200) throw new Error(`upload failed: ${up.text}`);
    const fileId = (up.body as { file_id: string }).file_id;
    const t2 = performance.now();
    const res = await fetch(`${node.url}/v3/push/file`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from(`${app.appKey}:${app.masterSecret}`).toString('base64') },
      body: JSON.stringify({ platform: 'all', audience: { file: { file_id: fileId } }, notification: { alert: 'to a file' }, options: { time_to_live: 600 } }),
    });
    const pushSeconds = (performance.now() - t2) / 1000;
    const pushed = (await res.json()) as { msg_id?: string };
    if (!pushed.msg_id) throw new Error(`file push failed: ${JSON.stringify(pushed)}`);
    const pushPeak = sampler.peak();
    sampler.stop();
    const count = (node.ctx.store as SqliteStore).db.prepare('SELECT target_count FROM pushes WHERE msg_id = ?').pluck().get(BigInt(pushed.msg_id));
    return [
      `${fmt(FILE_IDS)} devices in one app (written straight to the store in ${fmt(built, 1)} s); a file naming all of them:`,
      '',
      `- upload (multipart, streamed, ${mib(FILE_IDS * 16)} MiB): ${fmt(uploadSeconds, 1)} s; ` +
        `process memory during it: RSS ${mib(sampler.base.rss)} -> peak ${mib(uploadPeak.rss)} MiB, heap ${mib(sampler.base.heap)} -> peak ${mib(uploadPeak.heap)} MiB`,
      `- POST /v3/push/file to ${fmt(Number(count))} targets: ${fmt(pushSeconds, 2)} s until answered; ` +
        `peak RSS ${mib(pushPeak.rss)} MiB, peak heap ${mib(pushPeak.heap)} MiB (no devices connected)`,
      '',
    ];
  } finally {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function memorySampler() {
  const read = () => ({ rss: process.memoryUsage.rss(), heap: process.memoryUsage().heapUsed });
  const base = read();
  let peak = { ...base };
  const timer = setInterval(() => {
    const m = read();
    peak = { rss: Math.max(peak.rss, m.rss), heap: Math.max(peak.heap, m.heap) };
  }, 25);
  return { base, peak: () => ({ ...peak }), stop: () => clearInterval(timer) };
}

async function writeDevices(path: string): Promise<Credentials> {
  const store = new SqliteStore({ path, synchronous: 'normal' });
  try {
    const app = await createApp(store, 'file-bench');
    const db = store.db;
    const insert = db.prepare(
      `INSERT INTO devices (app_key, num, registration_id, platform, secret_hash, alias, mobile, tokens, created_at)
       VALUES (?, ?, ?, ?, ?, NULL, NULL, '{}', ?)`,
    );
    const secretHash = randomBytes(32);
    const batch = db.transaction((from: number, to: number) => {
      for (let num = from; num < to; num++) {
        insert.run(app.appKey, num, `f${num.toString(36).padStart(14, '0')}`, num % 2 ? 'ios' : 'android', secretHash, Date.now());
      }
    });
    for (let from = 0; from < FILE_IDS; from += 50_000) batch(from, Math.min(FILE_IDS, from + 50_000));
    db.prepare('INSERT INTO device_numbers (app_key, next_num) VALUES (?, ?)').run(app.appKey, FILE_IDS);
    db.pragma('wal_checkpoint(TRUNCATE)');
    return app;
  } finally {
    await store.close();
  }
}
