import type Database from 'better-sqlite3';
import roaring from 'roaring';
import type { DevicePlatform, VendorTokens } from '../../domain/device.js';
import type { RelayDevice } from '../relay-types.js';
import type { QuotaUseRow, VendorStore } from '../vendor-types.js';
import { bitmapBytes } from './relay-store.js';

const { RoaringBitmap32 } = roaring;
type Row = Record<string, unknown>;

/** Vendors whose tokens are indexed (the migration creates one partial index each). */
const INDEXED = ['huawei', 'honor', 'xiaomi', 'oppo', 'vivo', 'meizu', 'hmos'] as const;

/** Vendor receipts and quotas over the embedded store (contract in store/vendor-types.ts). */
export function sqliteVendorStore(db: Database.Database): VendorStore {
  // The expression must match the index's exactly; INDEXED BY because without statistics the
  // planner prefers the primary key's app_key prefix, a scan of the whole app.
  const byToken = new Map(
    INDEXED.map((v) => [
      v,
      db.prepare(
        `SELECT num, registration_id, platform, tokens FROM devices INDEXED BY devices_token_${v} WHERE app_key = ? AND json_extract(tokens, '$.${v}') = ? LIMIT 1`,
      ),
    ]),
  );
  const s = {
    receipt: db.prepare('SELECT received, clicked FROM relay_receipts WHERE msg_id = ? AND channel = ?'),
    insertReceipt: db.prepare(
      `INSERT INTO relay_receipts (msg_id, channel, sent, failed, dead, received, clicked) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateReceipt: db.prepare('UPDATE relay_receipts SET received = ?, clicked = ? WHERE msg_id = ? AND channel = ?'),
    tokensOf: db.prepare('SELECT tokens FROM devices WHERE app_key = ? AND num = ?').pluck(),
    setTokens: db.prepare('UPDATE devices SET tokens = ? WHERE app_key = ? AND num = ?'),
    quotaDay: db.prepare('SELECT * FROM vendor_quota_use WHERE day = ?'),
    quotaDayApp: db.prepare('SELECT * FROM vendor_quota_use WHERE day = ? AND app_key = ?'),
    addUse: db.prepare(
      `INSERT INTO vendor_quota_use (app_key, channel, category, day, used) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (app_key, channel, category, day) DO UPDATE SET used = used + excluded.used`,
    ),
    learn: db.prepare(
      `INSERT INTO vendor_quota_use (app_key, channel, category, day, used, learned_limit) VALUES (@appKey, @channel, @category, @day, coalesce(@used, 0), @limit)
       ON CONFLICT (app_key, channel, category, day) DO UPDATE SET learned_limit = excluded.learned_limit,
         used = max(used, coalesce(@used, used))`,
    ),
    prune: db.prepare('DELETE FROM vendor_quota_use WHERE day < ?'),
  };
  const empty = bitmapBytes([]);

  const addReceipts = db.transaction((msgId: bigint, channel: string, received: readonly number[], clicked: readonly number[]) => {
    const row = s.receipt.get(msgId, channel) as Row | undefined;
    const read = (b: unknown) => (b ? RoaringBitmap32.deserialize(b as Buffer, 'portable') : new RoaringBitmap32());
    const rec = read(row?.received);
    const clk = read(row?.clicked);
    const fresh = { received: [] as number[], clicked: [] as number[] };
    for (const n of [...received, ...clicked]) if (rec.tryAdd(n)) fresh.received.push(n);
    for (const n of clicked) if (clk.tryAdd(n)) fresh.clicked.push(n);
    if (fresh.received.length + fresh.clicked.length === 0) return fresh;
    if (row) s.updateReceipt.run(bitmapBytes(rec), bitmapBytes(clk), msgId, channel);
    else s.insertReceipt.run(msgId, channel, empty, empty, empty, bitmapBytes(rec), bitmapBytes(clk));
    return fresh;
  });

  const toQuota = (r: Row): QuotaUseRow => ({
    appKey: r.app_key as string,
    channel: r.channel as string,
    category: r.category as string,
    day: r.day as string,
    used: Number(r.used),
    learnedLimit: r.learned_limit === null ? null : Number(r.learned_limit),
  });

  return {
    async deviceByToken(appKey, channel, token) {
      const st = byToken.get(channel as (typeof INDEXED)[number]);
      if (!st) return undefined;
      const row = st.get(appKey, token) as Row | undefined;
      if (!row) return undefined;
      const device: RelayDevice = {
        num: Number(row.num),
        registrationId: row.registration_id as string,
        platform: row.platform as DevicePlatform,
        tokens: JSON.parse(row.tokens as string) as VendorTokens,
      };
      return device;
    },
    async addReceipts(msgId, channel, received, clicked) {
      if (!/^[1-9][0-9]{0,18}$/.test(msgId)) return { received: [], clicked: [] };
      return addReceipts.immediate(BigInt(msgId), channel, received, clicked);
    },
    async removeToken(appKey, num, channel, token) {
      const raw = s.tokensOf.get(appKey, num) as string | undefined;
      if (raw === undefined) return false;
      const tokens = JSON.parse(raw) as Record<string, unknown>;
      if (tokens[channel] !== token) return false;
      delete tokens[channel];
      s.setTokens.run(JSON.stringify(tokens), appKey, num);
      return true;
    },
    async quotaUse(day, appKey) {
      const rows = (appKey === undefined ? s.quotaDay.all(day) : s.quotaDayApp.all(day, appKey)) as Row[];
      return rows.map(toQuota);
    },
    async addQuotaUse(rows) {
      db.transaction(() => {
        for (const r of rows) if (r.count > 0) s.addUse.run(r.appKey, r.channel, r.category, r.day, r.count);
      })();
    },
    async learnQuota(appKey, channel, category, day, limit, used) {
      s.learn.run({ appKey, channel, category, day, limit, used: used ?? null });
    },
    async pruneQuota(beforeDay) {
      return s.prune.run(beforeDay).changes;
    },
  };
}
