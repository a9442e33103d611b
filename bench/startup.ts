import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { AudienceIndex } from '../src/audience/audience-index.js';
import { IndexPersistence } from '../src/audience/index-persistence.js';
import { DEFAULT_CONFIG, type Config } from '../src/config.js';
import { startNode } from '../src/node.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/types.js';
import { createTestDatabase } from '../test/helpers/postgres.js';
import { buildAudienceData, DEVICES } from './audience.js';
import { fmt, median } from './lib.js';

const ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 3);
/** Which stores to measure: `sqlite`, `postgres` or both (comma-separated). */
const STORES = (process.env.BENCH_STARTUP_STORES ?? 'sqlite,postgres').split(',');
const quiet = pino({ level: 'silent' });

/** Alternating rounds of a full scan and a snapshot load on one store; checks both agree. */
async function loadRounds(store: Store, appKey: string): Promise<{ scan: number[]; snapshot: number[] }> {
  const scan: number[] = [];
  const snapshot: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t = performance.now();
    const a = await AudienceIndex.load(store.devices);
    scan.push(performance.now() - t);
    t = performance.now();
    const b = await AudienceIndex.load(store.devices, new IndexPersistence(store.devices, store.audienceSnapshots, quiet));
    snapshot.push(performance.now() - t);
    if (a.deviceCount(appKey) !== b.deviceCount(appKey) || a.tagCount(appKey, 'tag1') !== b.tagCount(appKey, 'tag1')) {
      throw new Error('the index loaded from the snapshot differs from the scanned one');
    }
  }
  return { scan, snapshot };
}

function ms(samples: readonly number[]): string {
  return samples.map((x) => fmt(x, 0)).join(', ');
}

/** Per-round ratios A/B and their spread. */
function ratios(a: readonly number[], b: readonly number[]): string {
  const r = a.map((x, i) => x / b[i]!);
  return `${r.map((x) => fmt(x, 1)).join(', ')} (median ${fmt(median(r), 1)}×, spread ${fmt(Math.min(...r), 1)}-${fmt(Math.max(...r), 1)}×)`;
}

/**
 * Startup at scale: the audience data of the audience bench (1,000,000 devices, 5,000,000 tag
 * memberships), loaded by a full scan of the store (how a node started before the snapshot) and
 * from the stored snapshot, in alternating rounds in one process; then a whole node started
 * over that data with and without a stored snapshot, alternating too.
 */
export async function benchStartup(): Promise<string[]> {
  const lines = STORES.includes('sqlite') ? await sqliteRounds() : [];
  if (STORES.includes('postgres')) lines.push(...(await postgresRounds()));
  return lines;
}

async function sqliteRounds(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-bench-startup-'));
  const file = join(dir, 'borealis.db');
  const lines: string[] = [];
  try {
    const built = await buildAudienceData(file);
    const store = new SqliteStore({ path: file, synchronous: 'normal' });
    const first = performance.now();
    const p = new IndexPersistence(store.devices, store.audienceSnapshots, quiet);
    await AudienceIndex.load(store.devices, p); // no snapshot yet: a scan, then one is stored
    await p.flush();
    const firstMs = performance.now() - first;
    const snapshotBytes = Number(store.db.prepare('SELECT length(data) FROM audience_snapshot').pluck().get());

    const { scan, snapshot } = await loadRounds(store, built.appKey);
    await store.close();

    lines.push(
      `${fmt(DEVICES)} devices in one app with 5 tags each over 1,000 tags (the audience bench's data, SQLite, written in ${fmt(built.seconds, 1)} s). ` +
        `First start: scan plus storing the snapshot (${fmt(snapshotBytes / 2 ** 20, 1)} MiB) and trimming the change log the bulk load wrote, ${fmt(firstMs / 1000, 2)} s.`,
    );
    lines.push('');
    lines.push(`Audience index load, ${ROUNDS} alternating rounds in one process (page cache warm):`);
    lines.push('');
    lines.push('| load | median ms | rounds ms |');
    lines.push('|---|---|---|');
    lines.push(`| full scan (before) | ${fmt(median(scan))} | ${ms(scan)} |`);
    lines.push(`| stored snapshot + change log | ${fmt(median(snapshot))} | ${ms(snapshot)} |`);
    lines.push('');
    lines.push(`Scan ÷ snapshot per round: ${ratios(scan, snapshot)}.`);
    lines.push('');

    // A whole node: from `startNode` to listening (the point /readyz answers), with the
    // snapshot removed before every other start so that start scans (and stores it again).
    const config: Config = structuredClone(DEFAULT_CONFIG);
    config.dataDir = dir;
    config.port = 0;
    config.host = '127.0.0.1';
    config.logLevel = 'silent';
    const nodeScan: number[] = [];
    const nodeSnapshot: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const s = new SqliteStore({ path: file, synchronous: 'normal' });
      s.db.prepare('DELETE FROM audience_snapshot').run();
      await s.close();
      for (const samples of [nodeScan, nodeSnapshot]) {
        const t = performance.now();
        const node = await startNode(config);
        samples.push(performance.now() - t);
        await node.stop(); // waits for the snapshot being stored
      }
    }
    lines.push(`Node start (\`startNode\` until listening), ${ROUNDS} alternating rounds:`);
    lines.push('');
    lines.push('| start | median ms | rounds ms |');
    lines.push('|---|---|---|');
    lines.push(`| no snapshot: scan, store one | ${fmt(median(nodeScan))} | ${ms(nodeScan)} |`);
    lines.push(`| from the snapshot | ${fmt(median(nodeSnapshot))} | ${ms(nodeSnapshot)} |`);
    lines.push('');
    lines.push(`No snapshot ÷ snapshot per round: ${ratios(nodeScan, nodeSnapshot)}.`);
    lines.push('');
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same on PostgreSQL: DEVICES devices with 5 tags each over 1,000 tags (spread evenly, not
 * Zipf), written with set-based inserts.
 */
async function postgresRounds(): Promise<string[]> {
  const database = await createTestDatabase();
  const store = await PostgresStore.open({ url: database.url, poolSize: 4 });
  try {
    const appKey = 'startupbench';
    const written = performance.now();
    await store.db.query(
      `INSERT INTO devices (app_key, num, registration_id, platform, secret_hash, tokens, created_at)
       SELECT $1, g, 'sb' || g, CASE WHEN g % 20 < 11 THEN 'android' WHEN g % 20 < 19 THEN 'ios' ELSE 'hmos' END, '\\x00', '{}', 0
       FROM generate_series(0, $2 - 1) g`,
      [appKey, DEVICES],
    );
    await store.db.query(
      `INSERT INTO device_tags (app_key, tag, num) SELECT $1, 'tag' || ((g * 7 + k * 131) % 1000 + 1), g FROM generate_series(0, $2 - 1) g, generate_series(0, 4) k`,
      [appKey, DEVICES],
    );
    const writeSeconds = (performance.now() - written) / 1000;
    const first = performance.now();
    const p = new IndexPersistence(store.devices, store.audienceSnapshots, quiet);
    await AudienceIndex.load(store.devices, p);
    await p.flush();
    const firstMs = performance.now() - first;
    const { scan, snapshot } = await loadRounds(store, appKey);
    return [
      `PostgreSQL 15, ${fmt(DEVICES)} devices with 5 tags each spread evenly over 1,000 tags (set-based inserts, ${fmt(writeSeconds, 1)} s); first start (scan, store the snapshot, trim the log) ${fmt(firstMs / 1000, 2)} s:`,
      '',
      '| load | median ms | rounds ms |',
      '|---|---|---|',
      `| full scan (before) | ${fmt(median(scan))} | ${ms(scan)} |`,
      `| stored snapshot + change log | ${fmt(median(snapshot))} | ${ms(snapshot)} |`,
      '',
      `Scan ÷ snapshot per round: ${ratios(scan, snapshot)}.`,
      '',
    ];
  } finally {
    await store.close();
    await database.drop();
  }
}
