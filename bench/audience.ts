import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/apps/app-directory.js';
import { AudienceIndex } from '../src/audience/audience-index.js';
import { DEFAULT_CONFIG, type Config } from '../src/config.js';
import { PLATFORMS, type Audience, type Platform } from '../src/domain/push.js';
import { startNode } from '../src/node.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { post } from './devices.js';
import { fmt, median, percentile } from './lib.js';

/**
 * Audience resolution at scale: one app with 1,000,000 devices over 1,000 tags, five tags a
 * device with Zipf-like popularity (the top tags hold a large share of all devices). Times the
 * index build at startup, `AudienceIndex.resolve` for each audience kind, and POST /v3/push
 * end to end on a real node over that data, with the size of the stored target set.
 */

export const DEVICES = Number(process.env.BENCH_AUDIENCE_DEVICES ?? 1_000_000);
const TAGS = 1000;
const TAGS_PER_DEVICE = 5;
const BATCH = 50_000;
const RESOLVE_REPEATS = 50;
const PUSH_REPEATS = 20;

/** Deterministic PRNG (mulberry32): every run builds the same data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export const tagName = (rank: number) => `tag${rank + 1}`;

/** Picks tag ranks with probability ∝ 1 / (rank + 1): tag1 is the most popular. */
function zipfSampler(random: () => number): () => number {
  const cdf = new Float64Array(TAGS);
  let total = 0;
  for (let r = 0; r < TAGS; r++) cdf[r] = total += 1 / (r + 1);
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = TAGS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export interface Built {
  appKey: string;
  masterSecret: string;
  sampleRids: string[];
  seconds: number;
}

/** Writes the devices straight into the store's tables, one transaction per BATCH devices. */
export async function buildAudienceData(path: string): Promise<Built> {
  const started = performance.now();
  const store = new SqliteStore({ path, synchronous: 'normal' });
  try {
    const { appKey, masterSecret } = await createApp(store, 'audience-bench');
    const db = store.db;
    db.pragma('cache_size = -262144'); // 256 MiB: the tag index takes inserts at 1,000 places at once
    const insertDevice = db.prepare(
      `INSERT INTO devices (app_key, num, registration_id, platform, secret_hash, alias, mobile, tokens, created_at)
       VALUES (?, ?, ?, ?, ?, ?, NULL, '{}', ?)`,
    );
    const insertTag = db.prepare('INSERT INTO device_tags (app_key, tag, num) VALUES (?, ?, ?)');
    const random = rng(42);
    const pickTag = zipfSampler(random);
    const secretHash = randomBytes(32);
    const createdAt = Date.now();
    const sampleRids: string[] = [];
    const ridStride = Math.max(1, Math.floor(DEVICES / 1000));
    const batch = db.transaction((from: number, to: number) => {
      for (let num = from; num < to; num++) {
        const rid = randomBytes(10).toString('hex').slice(0, 19);
        if (num % ridStride === 0 && sampleRids.length < 1000) sampleRids.push(rid);
        const p = random();
        const platform = p < 0.55 ? 'android' : p < 0.95 ? 'ios' : 'hmos';
        insertDevice.run(appKey, num, rid, platform, secretHash, `user${num}`, createdAt);
        const tags = new Set<number>();
        while (tags.size < TAGS_PER_DEVICE) tags.add(pickTag());
        for (const t of tags) insertTag.run(appKey, tagName(t), num);
      }
    });
    for (let from = 0; from < DEVICES; from += BATCH) batch(from, Math.min(DEVICES, from + BATCH));
    db.prepare('INSERT INTO device_numbers (app_key, next_num) VALUES (?, ?)').run(appKey, DEVICES);
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { appKey, masterSecret, sampleRids, seconds: (performance.now() - started) / 1000 };
  } finally {
    await store.close();
  }
}

async function timed(fn: () => Promise<unknown>, repeats: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples;
}

export async function benchAudience(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-bench-audience-'));
  const file = join(dir, 'borealis.db');
  const lines: string[] = [];
  try {
    const built = await buildAudienceData(file);
    const { appKey } = built;

    // Index build at startup, on a freshly opened store (page cache warm: the file was just written).
    const store = new SqliteStore({ path: file, synchronous: 'normal' });
    let index: AudienceIndex | undefined;
    const loads: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      index = await AudienceIndex.load(store.devices);
      loads.push(performance.now() - t);
    }
    const tagRows = Number(store.db.prepare('SELECT count(*) FROM device_tags').pluck().get());
    const top = [0, 1, 2].map((r) => index!.tagCount(appKey, tagName(r)));

    lines.push(
      `${fmt(DEVICES)} devices in one app, ${fmt(TAGS)} tags, ${TAGS_PER_DEVICE} tags a device with Zipf (s = 1) popularity (${fmt(tagRows)} tag rows): ` +
        `tag1 ${fmt(top[0]!)}, tag2 ${fmt(top[1]!)}, tag3 ${fmt(top[2]!)} devices; the least popular tag ${fmt(index!.tagCount(appKey, tagName(TAGS - 1)))}. ` +
        `Data written straight to the store's tables in ${fmt(built.seconds, 1)} s.`,
    );
    lines.push('');
    lines.push(`Index build at startup (\`AudienceIndex.load\`): median ${fmt(median(loads) / 1000, 2)} s of 3 (${loads.map((x) => fmt(x / 1000, 2)).join(', ')} s).`);
    lines.push('');

    const cases: { label: string; platforms: readonly Platform[]; audience: Audience }[] = [
      { label: 'all (broadcast)', platforms: PLATFORMS, audience: { all: true } },
      { label: 'all, android only', platforms: ['android'], audience: { all: true } },
      { label: 'tag: 3 popular tags (union)', platforms: PLATFORMS, audience: { tag: [tagName(0), tagName(1), tagName(2)] } },
      { label: 'tag: 100 tags (union)', platforms: PLATFORMS, audience: { tag: Array.from({ length: 100 }, (_, i) => tagName(i * 10)) } },
      { label: 'tag_and: 2 popular tags', platforms: PLATFORMS, audience: { tagAnd: [tagName(0), tagName(1)] } },
      { label: 'tag_not: all minus 2 popular tags', platforms: PLATFORMS, audience: { tagNot: [tagName(0), tagName(1)] } },
      { label: 'tag + tag_and + tag_not', platforms: PLATFORMS, audience: { tag: [tagName(0), tagName(5)], tagAnd: [tagName(1)], tagNot: [tagName(2)] } },
      { label: 'alias: 1,000 aliases', platforms: PLATFORMS, audience: { alias: Array.from({ length: 1000 }, (_, i) => `user${(i * 997) % DEVICES}`) } },
      { label: 'registration_id: 1,000 ids', platforms: PLATFORMS, audience: { registrationId: built.sampleRids } },
    ];
    lines.push(`\`AudienceIndex.resolve\`, ${RESOLVE_REPEATS} runs each (in process, after 3 warm-up runs):`);
    lines.push('');
    lines.push('| audience | devices | median ms | p99 ms |');
    lines.push('|---|---|---|---|');
    for (const c of cases) {
      const count = (await index!.resolve(appKey, c.platforms, c.audience)).size;
      await timed(() => index!.resolve(appKey, c.platforms, c.audience), 3);
      const samples = await timed(() => index!.resolve(appKey, c.platforms, c.audience), RESOLVE_REPEATS);
      lines.push(`| ${c.label} | ${fmt(count)} | ${fmt(median(samples), 2)} | ${fmt(percentile(samples, 99), 2)} |`);
    }
    lines.push('');
    index = undefined;
    await store.close();

    // End to end: a real node on that data (default config: synchronous = full, fsync per commit).
    const config: Config = structuredClone(DEFAULT_CONFIG);
    config.dataDir = dir;
    config.port = 0;
    config.host = '127.0.0.1';
    config.logLevel = 'silent';
    config.limits.requestsPerWindow = 0;
    config.limits.broadcastsPerDay = 0;
    const t = performance.now();
    const node = await startNode(config);
    const startup = performance.now() - t;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const auth = { authorization: 'Basic ' + Buffer.from(`${appKey}:${built.masterSecret}`).toString('base64') };
      const db = (node.ctx.store as SqliteStore).db;
      const stored = db.prepare('SELECT length(targets) AS bytes, target_count AS count FROM pushes WHERE msg_id = ?');
      const pushes: { label: string; audience: unknown }[] = [
        { label: 'all (broadcast)', audience: 'all' },
        { label: 'tag: tag1 (the biggest)', audience: { tag: [tagName(0)] } },
        { label: 'tag: 3 popular tags', audience: { tag: [tagName(0), tagName(1), tagName(2)] } },
        { label: 'tag_not: all minus 2 popular tags', audience: { tag_not: [tagName(0), tagName(1)] } },
        { label: `tag: tag${TAGS} (the smallest)`, audience: { tag: [tagName(TAGS - 1)] } },
      ];
      lines.push(
        `POST /v3/push end to end on a node started over that data (startup incl. index build ${fmt(startup / 1000, 2)} s; ` +
          `default config, so every accept is an fsync'd commit; client in the same process, one request at a time, ${PUSH_REPEATS} each after 2 warm-ups; no devices connected):`,
      );
      lines.push('');
      lines.push('| audience | devices | median ms | p99 ms | stored target set (bytes) |');
      lines.push('|---|---|---|---|---|');
      for (const p of pushes) {
        const body = JSON.stringify({ platform: 'all', audience: p.audience, notification: { alert: 'audience benchmark' } });
        let last = '';
        const send = async () => {
          const res = await post(agent, node.url + '/v3/push', body, auth);
          if (res.status !== 200) throw new Error(`push refused: ${res.status} ${res.body}`);
          last = (JSON.parse(res.body) as { msg_id: string }).msg_id;
        };
        await timed(send, 2);
        const samples = await timed(send, PUSH_REPEATS);
        const row = stored.get(BigInt(last)) as { bytes: number; count: number };
        lines.push(`| ${p.label} | ${fmt(row.count)} | ${fmt(median(samples), 2)} | ${fmt(percentile(samples, 99), 2)} | ${fmt(row.bytes)} |`);
      }
      lines.push('');
    } finally {
      agent.destroy();
      await node.stop();
    }
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
