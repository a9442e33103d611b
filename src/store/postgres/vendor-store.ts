import roaring from 'roaring';
import type { DevicePlatform, VendorTokens } from '../../domain/device.js';
import { bitmapBytes, parseTokens } from '../relay-helpers.js';
import type { RelayDevice } from '../relay-types.js';
import type { QuotaUseRow, VendorStore } from '../vendor-types.js';
import { msgIdParam, type Db, type Queryable, type Row } from './db.js';

const { RoaringBitmap32 } = roaring;

/** Vendors whose tokens are indexed (migration 040 creates one partial index each). */
const INDEXED = new Set(['huawei', 'honor', 'xiaomi', 'oppo', 'vivo', 'meizu', 'hmos']);

/** Adds sends to quota use, creating rows as needed (also used when a relay slice is confirmed). */
export async function addQuotaUse(c: Queryable, rows: readonly { appKey: string; channel: string; category: string; day: string; count: number }[]): Promise<void> {
  const used = rows.filter((r) => r.count > 0);
  if (used.length === 0) return;
  // one statement; rows sorted so concurrent writers lock them in the same order
  used.sort((a, b) => `${a.appKey}\0${a.channel}\0${a.category}\0${a.day}`.localeCompare(`${b.appKey}\0${b.channel}\0${b.category}\0${b.day}`));
  await c.query(
    `INSERT INTO vendor_quota_use (app_key, channel, category, day, used)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
     ON CONFLICT (app_key, channel, category, day) DO UPDATE SET used = vendor_quota_use.used + excluded.used`,
    [used.map((r) => r.appKey), used.map((r) => r.channel), used.map((r) => r.category), used.map((r) => r.day), used.map((r) => r.count)],
  );
}

function toQuota(r: Row): QuotaUseRow {
  return {
    appKey: r.app_key as string,
    channel: r.channel as string,
    category: r.category as string,
    day: r.day as string,
    used: Number(r.used),
    learnedLimit: r.learned_limit === null ? null : Number(r.learned_limit),
  };
}

/** Vendor receipts and quotas over PostgreSQL (contract in store/vendor-types.ts). */
export function postgresVendorStore(db: Db): VendorStore {
  return {
    async deviceByToken(appKey, channel, token) {
      if (!INDEXED.has(channel)) return undefined;
      // the expression matches the index's, so the lookup uses it
      const { rows } = await db.query(
        `SELECT num, registration_id, platform, tokens FROM devices WHERE app_key = $1 AND (tokens::jsonb ->> '${channel}') = $2 LIMIT 1`,
        [appKey, token],
      );
      const row = rows[0];
      if (!row) return undefined;
      const device: RelayDevice = {
        num: Number(row.num),
        registrationId: row.registration_id as string,
        platform: row.platform as DevicePlatform,
        tokens: parseTokens(row.tokens) as VendorTokens,
      };
      return device;
    },
    async addReceipts(msgId, channel, received, clicked) {
      const none = { received: [] as number[], clicked: [] as number[] };
      const id = msgIdParam(msgId);
      if (id === '-1' || received.length + clicked.length === 0) return none;
      return db.tx(async (c) => {
        const empty = bitmapBytes([]);
        // the row exists (or is created) first, so the merge below always has one to lock
        await c.query(
          `INSERT INTO relay_receipts (msg_id, channel, sent, failed, dead) VALUES ($1, $2, $3, $3, $3) ON CONFLICT (msg_id, channel) DO NOTHING`,
          [id, channel, empty],
        );
        const row = (await c.query('SELECT received, clicked FROM relay_receipts WHERE msg_id = $1 AND channel = $2 FOR UPDATE', [id, channel])).rows[0] as Row;
        const read = (b: unknown) => (b ? RoaringBitmap32.deserialize(b as Buffer, 'portable') : new RoaringBitmap32());
        const rec = read(row.received);
        const clk = read(row.clicked);
        const fresh = { received: [] as number[], clicked: [] as number[] };
        for (const n of [...received, ...clicked]) if (rec.tryAdd(n)) fresh.received.push(n);
        for (const n of clicked) if (clk.tryAdd(n)) fresh.clicked.push(n);
        if (fresh.received.length + fresh.clicked.length > 0) {
          await c.query('UPDATE relay_receipts SET received = $3, clicked = $4 WHERE msg_id = $1 AND channel = $2', [id, channel, bitmapBytes(rec), bitmapBytes(clk)]);
        }
        return fresh;
      });
    },
    async removeToken(appKey, num, channel, token) {
      return db.tx(async (c) => {
        const row = (await c.query('SELECT tokens FROM devices WHERE app_key = $1 AND num = $2 FOR UPDATE', [appKey, num])).rows[0] as Row | undefined;
        if (!row) return false;
        const tokens = parseTokens(row.tokens);
        if (tokens[channel] !== token) return false;
        delete tokens[channel];
        await c.query('UPDATE devices SET tokens = $3 WHERE app_key = $1 AND num = $2', [appKey, num, JSON.stringify(tokens)]);
        return true;
      });
    },
    async quotaUse(day, appKey) {
      const { rows } =
        appKey === undefined
          ? await db.query('SELECT * FROM vendor_quota_use WHERE day = $1', [day])
          : await db.query('SELECT * FROM vendor_quota_use WHERE day = $1 AND app_key = $2', [day, appKey]);
      return rows.map(toQuota);
    },
    async addQuotaUse(rows) {
      await addQuotaUse(db, rows);
    },
    async learnQuota(appKey, channel, category, day, limit, used) {
      await db.query(
        `INSERT INTO vendor_quota_use (app_key, channel, category, day, used, learned_limit) VALUES ($1, $2, $3, $4, coalesce($6::bigint, 0), $5)
         ON CONFLICT (app_key, channel, category, day) DO UPDATE SET learned_limit = excluded.learned_limit,
           used = greatest(vendor_quota_use.used, coalesce($6::bigint, vendor_quota_use.used))`,
        [appKey, channel, category, day, limit, used ?? null],
      );
    },
    async pruneQuota(beforeDay) {
      const r = await db.query('DELETE FROM vendor_quota_use WHERE day < $1', [beforeDay]);
      return r.rowCount ?? 0;
    },
  };
}
