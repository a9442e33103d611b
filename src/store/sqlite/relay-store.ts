import type Database from 'better-sqlite3';
import type { DevicePlatform, VendorTokens } from '../../domain/device.js';
import { addAll, retrySlice, tokenOf } from '../relay-helpers.js';
import type { RelayDevice, RelayLease, RelayOutcome, RelayQueue, RelayReceiptRow, RelayWork } from '../relay-types.js';

type Row = Record<string, unknown>;

/** IN-lists stay under SQLite's parameter limit. */
const CHUNK = 500;

function toWork(row: Row): RelayWork {
  return {
    id: Number(row.id),
    msgId: String(row.msg_id),
    appKey: row.app_key as string,
    lo: Number(row.lo),
    hi: Number(row.hi),
    nums: (row.nums as Buffer | null) ?? null,
    attempts: Number(row.attempts),
    claimedBy: (row.claimed_by as string | null) ?? null,
  };
}

/** The relay queue over the embedded store (contract in store/relay-types.ts). */
export function sqliteRelayQueue(db: Database.Database): RelayQueue {
  const s = {
    due: db
      .prepare('SELECT * FROM relay_queue WHERE next_at <= ? AND coalesce(lease_until, 0) <= ? ORDER BY next_at, id LIMIT ?')
      .safeIntegers(true),
    lease: db.prepare('UPDATE relay_queue SET claimed_by = ?, lease_until = ? WHERE id = ?'),
    renew: db.prepare('UPDATE relay_queue SET lease_until = ? WHERE id = ? AND claimed_by = ?'),
    postpone: db.prepare('UPDATE relay_queue SET claimed_by = NULL, lease_until = NULL, next_at = ? WHERE id = ? AND claimed_by = ?'),
    releaseAll: db.prepare('UPDATE relay_queue SET claimed_by = NULL, lease_until = NULL WHERE claimed_by = ?'),
    remove: db.prepare('DELETE FROM relay_queue WHERE id = ? AND claimed_by IS ?'),
    insert: db.prepare('INSERT INTO relay_queue (msg_id, app_key, lo, hi, nums, attempts, next_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    count: db.prepare('SELECT count(*) FROM relay_queue').pluck(),
    countFor: db.prepare('SELECT count(*) FROM relay_queue WHERE msg_id = ?').pluck(),
    receipt: db.prepare('SELECT sent, failed, dead, fallback FROM relay_receipts WHERE msg_id = ? AND channel = ?'),
    receiptUpsert: db.prepare(
      `INSERT INTO relay_receipts (msg_id, channel, sent, failed, dead, fallback) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (msg_id, channel) DO UPDATE SET sent = excluded.sent, failed = excluded.failed, dead = excluded.dead, fallback = excluded.fallback`,
    ),
    receipts: db.prepare('SELECT channel, sent, failed, dead, fallback, received, clicked FROM relay_receipts WHERE msg_id = ? ORDER BY channel'),
    quotaUse: db.prepare(
      `INSERT INTO vendor_quota_use (app_key, channel, category, day, used) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (app_key, channel, category, day) DO UPDATE SET used = used + excluded.used`,
    ),
    tokensOf: db.prepare('SELECT tokens FROM devices WHERE app_key = ? AND num = ?').pluck(),
    setTokens: db.prepare('UPDATE devices SET tokens = ? WHERE app_key = ? AND num = ?'),
    removeActivityToken: db.prepare('DELETE FROM live_activity_tokens WHERE app_key = ? AND num = ? AND token = ?'),
    setBadge: db.prepare(
      'INSERT INTO device_badges (app_key, num, badge) VALUES (?, ?, ?) ON CONFLICT (app_key, num) DO UPDATE SET badge = excluded.badge',
    ),
  };
  const devicesIn = new Map<number, Database.Statement>();
  const badgesIn = new Map<number, Database.Statement>();
  const inList = (cache: Map<number, Database.Statement>, sql: (ph: string) => string, n: number) => {
    let st = cache.get(n);
    if (!st) {
      st = db.prepare(sql(Array.from({ length: n }, () => '?').join(',')));
      if (cache.size < 32) cache.set(n, st);
    }
    return st;
  };

  const claim = db.transaction((now: number, limit: number, lease: RelayLease, skip: ReadonlySet<number>) => {
    const rows = s.due.all(now, now, limit + skip.size) as Row[];
    const work = rows.map(toWork).filter((w) => !skip.has(w.id)).slice(0, limit);
    for (const w of work) {
      s.lease.run(lease.node, now + lease.ms, w.id);
      w.claimedBy = lease.node;
    }
    return work;
  });

  const complete = db.transaction((o: RelayOutcome): boolean => {
    const { work } = o;
    const msgId = BigInt(work.msgId);
    // the slice is ours to confirm only while no other node took its lease over
    const held = s.remove.run(work.id, work.claimedBy).changes === 1;
    if (held && o.retry && o.retry.nums.length > 0) {
      const slice = retrySlice(o.retry.nums);
      s.insert.run(msgId, work.appKey, slice.lo, slice.hi, slice.bitmap, o.retry.attempts, o.retry.nextAt);
    }
    for (const r of o.results) {
      const fallback = r.fallback ?? [];
      if (r.sent.length + r.failed.length + r.dead.length + fallback.length === 0) continue;
      const old = s.receipt.get(msgId, r.channel) as Row | undefined;
      s.receiptUpsert.run(
        msgId,
        r.channel,
        addAll(old?.sent as Buffer | undefined, r.sent),
        addAll(old?.failed as Buffer | undefined, r.failed),
        addAll(old?.dead as Buffer | undefined, r.dead),
        // a row without fallbacks keeps the column empty rather than an empty bitmap
        fallback.length === 0 && !old?.fallback ? null : addAll(old?.fallback as Buffer | undefined, fallback),
      );
    }
    for (const d of o.deadTokens) {
      // A Live Activity's token lives in its own table; that exact token goes, whatever activity.
      if (d.channel === 'apns_activity') {
        s.removeActivityToken.run(work.appKey, d.num, d.token);
        continue;
      }
      const raw = s.tokensOf.get(work.appKey, d.num) as string | undefined;
      if (raw === undefined) continue;
      const tokens = JSON.parse(raw) as Record<string, unknown>;
      // Only the token that was tried: a device that registered a new one since keeps it.
      if (tokenOf(tokens as VendorTokens, d.channel) !== d.token) continue;
      delete tokens[d.channel];
      s.setTokens.run(JSON.stringify(tokens), work.appKey, d.num);
    }
    for (const b of o.badges) s.setBadge.run(work.appKey, b.num, b.badge);
    for (const q of o.quotaUse ?? []) if (q.count > 0) s.quotaUse.run(work.appKey, q.channel, q.category, q.day, q.count);
    return held;
  });

  const renew = db.transaction((ids: readonly number[], node: string, until: number) =>
    ids.filter((id) => s.renew.run(until, id, node).changes === 1),
  );

  return {
    async claim(now, limit, lease, skip = new Set()) {
      return claim.immediate(now, limit, lease, skip);
    },
    async renew(ids, node, until) {
      return ids.length === 0 ? [] : renew.immediate(ids, node, until);
    },
    async postpone(id, node, nextAt) {
      s.postpone.run(nextAt, id, node);
    },
    async releaseAll(node) {
      return s.releaseAll.run(node).changes;
    },
    async complete(outcome) {
      return complete.immediate(outcome);
    },
    async pending() {
      return Number(s.count.get());
    },
    async pendingFor(msgId) {
      if (!/^[1-9][0-9]{0,18}$/.test(msgId)) return 0;
      return Number(s.countFor.get(BigInt(msgId)));
    },
    async devices(appKey, nums) {
      const out: RelayDevice[] = [];
      for (let i = 0; i < nums.length; i += CHUNK) {
        const part = nums.slice(i, i + CHUNK);
        const st = inList(devicesIn, (ph) => `SELECT num, registration_id, platform, tokens FROM devices WHERE app_key = ? AND num IN (${ph})`, part.length);
        for (const row of st.all(appKey, ...part) as Row[]) {
          out.push({
            num: Number(row.num),
            registrationId: row.registration_id as string,
            platform: row.platform as DevicePlatform,
            tokens: JSON.parse(row.tokens as string) as VendorTokens,
          });
        }
      }
      return out;
    },
    async badges(appKey, nums) {
      const out = new Map<number, number>();
      for (let i = 0; i < nums.length; i += CHUNK) {
        const part = nums.slice(i, i + CHUNK);
        const st = inList(badgesIn, (ph) => `SELECT num, badge FROM device_badges WHERE app_key = ? AND num IN (${ph})`, part.length);
        for (const row of st.all(appKey, ...part) as Row[]) out.set(Number(row.num), Number(row.badge));
      }
      return out;
    },
    async receipts(msgId): Promise<RelayReceiptRow[]> {
      if (!/^[1-9][0-9]{0,18}$/.test(msgId)) return [];
      return (s.receipts.all(BigInt(msgId)) as Row[]).map((r) => ({
        channel: r.channel as string,
        sent: r.sent as Buffer,
        failed: r.failed as Buffer,
        dead: r.dead as Buffer,
        fallback: (r.fallback as Buffer | null) ?? null,
        received: (r.received as Buffer | null) ?? null,
        clicked: (r.clicked as Buffer | null) ?? null,
      }));
    },
  };
}

/** Writes the relay slices of a newly accepted push (inside the push's own transaction). */
export function relayEnqueuer(db: Database.Database): (msgId: bigint, appKey: string, ranges: readonly (readonly [number, number])[], at: number) => void {
  const insert = db.prepare('INSERT INTO relay_queue (msg_id, app_key, lo, hi, nums, attempts, next_at) VALUES (?, ?, ?, ?, NULL, 0, ?)');
  return (msgId, appKey, ranges, at) => {
    for (const [lo, hi] of ranges) insert.run(msgId, appKey, lo, hi, at);
  };
}
