import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoaringBitmap32 } from '../src/audience/audience-index.js';
import type { AcceptedPush } from '../src/domain/push.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { describeRatio, fmt, interleaved, median, now, roundRatios } from './lib.js';

/**
 * What narrow pushes that all share one expiry (an EMAS campaign's `ExpireTime`, pushes
 * scheduled with one end) cost the SQLite store against pushes whose expiries rise (JPush's
 * `time_to_live`, counted from acceptance), in the same run. Each push goes to 9 of 20,000
 * devices, so it writes 9 inbox entries; inserts run 32 at a time, as the group commit gets them.
 */

const DEVICES = 20_000;
const TARGETS = 9;
const CONCURRENT = 32;
const ROUNDS = 5;
const APP = 'b'.repeat(24);

function push(msgId: number, expiresAt: number): AcceptedPush {
  return {
    msgId: String(msgId),
    appKey: APP,
    source: 'jpush',
    sendno: '0',
    platforms: ['android'],
    audience: { registrationId: ['rid'] },
    notification: { alert: 'Your order has shipped' },
    options: { timeToLive: 86_400, apnsProduction: false, bigPushDuration: 0, raw: {} },
    createdAt: expiresAt - 86_400_000,
    expiresAt,
  };
}

/** µs per push over `pushes` inserts into a fresh store. */
async function fill(pushes: number, oneExpiry: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-inbox-bench-'));
  const store = new SqliteStore({ path: join(dir, 'borealis.db'), synchronous: 'normal' });
  try {
    const base = Date.now();
    const start = now();
    for (let p = 0; p < pushes; p += CONCURRENT) {
      const batch: Promise<void>[] = [];
      for (let k = p; k < Math.min(pushes, p + CONCURRENT); k++) {
        // each push to a different small audience, spread over the devices
        const first = (k * 7919) % (DEVICES - TARGETS);
        const nums = Array.from({ length: TARGETS }, (_, i) => first + i + 1);
        const bitmap = Buffer.from(new RoaringBitmap32(nums).serialize('portable'));
        const expiresAt = oneExpiry ? base + 86_400_000 : base + 86_400_000 + k;
        batch.push(store.pushes.insert(push(1_000_000 + k, expiresAt), { bitmap, count: TARGETS, inbox: nums }));
      }
      await Promise.all(batch);
    }
    return ((now() - start) * 1000) / pushes;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchInboxExpiry(seconds: number): Promise<string[]> {
  const pushes = Math.max(5_000, 4_000 * seconds);
  const results = await interleaved(
    [
      { name: 'rising', round: () => fill(pushes, false) },
      { name: 'one', round: () => fill(pushes, true) },
    ],
    ROUNDS,
  );
  const rising = results.get('rising')!;
  const one = results.get('one')!;
  return [
    `${fmt(pushes)} narrow pushes (${TARGETS} inbox entries each) into a fresh SQLite file per round, ${CONCURRENT} at a time, ${ROUNDS} interleaved rounds after a warm-up.`,
    '',
    '| expiries | µs per push (median) | per round |',
    '|---|---|---|',
    `| rising (one per push) | ${fmt(median(rising), 1)} | ${rising.map((x) => fmt(x, 1)).join(' / ')} |`,
    `| one for all | ${fmt(median(one), 1)} | ${one.map((x) => fmt(x, 1)).join(' / ')} |`,
    '',
    `One expiry / rising, time per push: ${describeRatio(roundRatios(one, rising))} (1.0 = no extra cost).`,
    '',
  ];
}
