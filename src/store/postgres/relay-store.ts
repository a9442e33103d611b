import type { DevicePlatform, VendorTokens } from '../../domain/device.js';
import { addAll, parseTokens, retrySlice, tokenOf } from '../relay-helpers.js';
import type { RelayDevice, RelayOutcome, RelayQueue, RelayReceiptRow, RelayWork } from '../relay-types.js';
import { msgIdParam, type Row, type Db, type Queryable } from './db.js';
import { countOf } from './query-helpers.js';
import { retryOnConflict } from './retry.js';
import { addQuotaUse } from './vendor-store.js';

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

/** ORs a result into the stored row of (push, channel); the row is locked while merged. */
async function mergeReceipt(c: Queryable, msgId: string, r: RelayOutcome['results'][number]): Promise<void> {
  const fallback = r.fallback ?? [];
  // a row without fallbacks keeps the column empty rather than an empty bitmap
  const inserted = await c.query(
    `INSERT INTO relay_receipts (msg_id, channel, sent, failed, dead, fallback) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (msg_id, channel) DO NOTHING`,
    [msgId, r.channel, addAll(undefined, r.sent), addAll(undefined, r.failed), addAll(undefined, r.dead), fallback.length === 0 ? null : addAll(undefined, fallback)],
  );
  if (inserted.rowCount === 1) return;
  const old = (await c.query('SELECT sent, failed, dead, fallback FROM relay_receipts WHERE msg_id = $1 AND channel = $2 FOR UPDATE', [msgId, r.channel])).rows[0] as Row;
  const oldFallback = (old.fallback as Buffer | null) ?? undefined;
  await c.query('UPDATE relay_receipts SET sent = $3, failed = $4, dead = $5, fallback = $6 WHERE msg_id = $1 AND channel = $2', [
    msgId,
    r.channel,
    addAll(old.sent as Buffer, r.sent),
    addAll(old.failed as Buffer, r.failed),
    addAll(old.dead as Buffer, r.dead),
    fallback.length === 0 && !oldFallback ? null : addAll(oldFallback, fallback),
  ]);
}

/**
 * The relay queue over PostgreSQL (contract in store/relay-types.ts). A claim locks due rows
 * with FOR UPDATE SKIP LOCKED and writes the lease in the same statement, so concurrent
 * claims from any number of nodes split the due slices between them.
 */
export function postgresRelayQueue(db: Db): RelayQueue {
  return {
    async claim(now, limit, lease, skip = new Set()) {
      if (limit < 1) return [];
      const { rows } = await db.query(
        `UPDATE relay_queue q SET claimed_by = $3, lease_until = $4
         FROM (SELECT id FROM relay_queue
               WHERE next_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) AND NOT (id = ANY($5::bigint[]))
               ORDER BY next_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) due
         WHERE q.id = due.id
         RETURNING q.*`,
        [Math.floor(now), limit, lease.node, Math.ceil(now + lease.ms), [...skip]],
      );
      // RETURNING keeps no order: oldest due first, as the contract says
      return (rows as Row[]).sort((a, b) => Number(a.next_at) - Number(b.next_at) || Number(a.id) - Number(b.id)).map(toWork);
    },
    async renew(ids, node, until) {
      if (ids.length === 0) return [];
      const { rows } = await db.query('UPDATE relay_queue SET lease_until = $3 WHERE id = ANY($1::bigint[]) AND claimed_by = $2 RETURNING id', [
        [...ids],
        node,
        Math.ceil(until),
      ]);
      return (rows as Row[]).map((r) => Number(r.id));
    },
    async postpone(id, node, nextAt) {
      await db.query('UPDATE relay_queue SET claimed_by = NULL, lease_until = NULL, next_at = $3 WHERE id = $1 AND claimed_by = $2', [id, node, Math.ceil(nextAt)]);
    },
    async releaseAll(node) {
      const r = await db.query('UPDATE relay_queue SET claimed_by = NULL, lease_until = NULL WHERE claimed_by = $1', [node]);
      return r.rowCount ?? 0;
    },
    async complete(o: RelayOutcome) {
      const { work } = o;
      const msgId = msgIdParam(work.msgId);
      // a confirmation that lost a race (deadlock) runs again: redoing the slice would send twice
      return retryOnConflict(() =>
        db.tx(async (c) => {
          // the slice is ours to confirm only while no other node took its lease over
          const removed = await c.query('DELETE FROM relay_queue WHERE id = $1 AND claimed_by IS NOT DISTINCT FROM $2', [work.id, work.claimedBy]);
          const held = removed.rowCount === 1;
          if (held && o.retry && o.retry.nums.length > 0) {
            const slice = retrySlice(o.retry.nums);
            await c.query('INSERT INTO relay_queue (msg_id, app_key, lo, hi, nums, attempts, next_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
              msgId,
              work.appKey,
              slice.lo,
              slice.hi,
              slice.bitmap,
              o.retry.attempts,
              // BIGINT takes no fraction: a jittered delay is rounded up to the next millisecond
              Math.ceil(o.retry.nextAt),
            ]);
          }
          // rows are locked in one order (channel, then device) so two confirmations never deadlock
          const results = [...o.results].filter((r) => r.sent.length + r.failed.length + r.dead.length + (r.fallback?.length ?? 0) > 0).sort((a, b) => (a.channel < b.channel ? -1 : 1));
          for (const r of results) await mergeReceipt(c, msgId, r);
          const dead = [...o.deadTokens].sort((a, b) => a.num - b.num);
          for (const d of dead) {
            // A Live Activity's token lives in its own table; that exact token goes, whatever activity.
            if (d.channel === 'apns_activity') {
              await c.query('DELETE FROM live_activity_tokens WHERE app_key = $1 AND num = $2 AND token = $3', [work.appKey, d.num, d.token]);
              continue;
            }
            const row = (await c.query('SELECT tokens FROM devices WHERE app_key = $1 AND num = $2 FOR UPDATE', [work.appKey, d.num])).rows[0] as Row | undefined;
            if (!row) continue;
            const tokens = parseTokens(row.tokens);
            // Only the token that was tried: a device that registered a new one since keeps it.
            if (tokenOf(tokens as VendorTokens, d.channel) !== d.token) continue;
            delete tokens[d.channel];
            await c.query('UPDATE devices SET tokens = $3 WHERE app_key = $1 AND num = $2', [work.appKey, d.num, JSON.stringify(tokens)]);
          }
          const badges = [...o.badges].sort((a, b) => a.num - b.num);
          for (const b of badges) {
            await c.query(
              'INSERT INTO device_badges (app_key, num, badge) VALUES ($1, $2, $3) ON CONFLICT (app_key, num) DO UPDATE SET badge = excluded.badge',
              [work.appKey, b.num, b.badge],
            );
          }
          await addQuotaUse(c, (o.quotaUse ?? []).map((q) => ({ ...q, appKey: work.appKey })));
          return held;
        }),
      );
    },
    async pending() {
      return countOf(db, 'SELECT count(*) AS n FROM relay_queue');
    },
    async pendingFor(msgId) {
      return countOf(db, 'SELECT count(*) AS n FROM relay_queue WHERE msg_id = $1', [msgIdParam(msgId)]);
    },
    async devices(appKey, nums) {
      if (nums.length === 0) return [];
      const { rows } = await db.query('SELECT num, registration_id, platform, tokens FROM devices WHERE app_key = $1 AND num = ANY($2::bigint[])', [appKey, [...nums]]);
      return (rows as Row[]).map(
        (row): RelayDevice => ({
          num: Number(row.num),
          registrationId: row.registration_id as string,
          platform: row.platform as DevicePlatform,
          tokens: parseTokens(row.tokens) as VendorTokens,
        }),
      );
    },
    async badges(appKey, nums) {
      const out = new Map<number, number>();
      if (nums.length === 0) return out;
      const { rows } = await db.query('SELECT num, badge FROM device_badges WHERE app_key = $1 AND num = ANY($2::bigint[])', [appKey, [...nums]]);
      for (const row of rows as Row[]) out.set(Number(row.num), Number(row.badge));
      return out;
    },
    async receipts(msgId): Promise<RelayReceiptRow[]> {
      const { rows } = await db.query('SELECT channel, sent, failed, dead, fallback, received, clicked FROM relay_receipts WHERE msg_id = $1 ORDER BY channel', [
        msgIdParam(msgId),
      ]);
      return (rows as Row[]).map((r) => ({
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

/** Writes the relay slices of a newly accepted push, on the push's own transaction. */
export async function postgresEnqueueRelay(c: Queryable, msgId: string, appKey: string, ranges: readonly (readonly [number, number])[], at: number): Promise<void> {
  if (ranges.length === 0) return;
  await c.query(
    `INSERT INTO relay_queue (msg_id, app_key, lo, hi, nums, attempts, next_at)
     SELECT $1, $2, lo, hi, NULL, 0, $5 FROM unnest($3::bigint[], $4::bigint[]) AS r(lo, hi)`,
    [msgId, appKey, ranges.map((r) => r[0]), ranges.map((r) => r[1]), at],
  );
}
