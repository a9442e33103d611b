import type Database from 'better-sqlite3';
import type { DevicePlatform, DeviceRecord } from '../../domain/device.js';
import type { DeviceStore, NewDevice } from '../types.js';

type Row = Record<string, unknown>;

function toDevice(row: Row, tags: string[]): DeviceRecord {
  return {
    appKey: row.app_key as string,
    num: Number(row.num),
    registrationId: row.registration_id as string,
    platform: row.platform as DevicePlatform,
    secretHash: row.secret_hash as Buffer,
    alias: (row.alias as string | null) ?? null,
    mobile: (row.mobile as string | null) ?? null,
    account: (row.account as string | null) ?? null,
    tags,
    tokens: JSON.parse(row.tokens as string) as DeviceRecord['tokens'],
    createdAt: Number(row.created_at),
    lastOnlineAt: row.last_online_at == null ? null : Number(row.last_online_at),
  };
}

/** Numbers handed to the index rebuild per call, at most. */
const SCAN_BATCH = 65_536;

/** SQL IN-lists are built in chunks so no statement exceeds SQLite's parameter limit. */
function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Statements with an IN list of n placeholders, prepared once per distinct n. */
function inListCache(db: Database.Database, sql: (placeholders: string) => string) {
  const cache = new Map<number, Database.Statement>();
  return (n: number): Database.Statement => {
    let st = cache.get(n);
    if (!st) {
      st = db.prepare(sql(Array.from({ length: n }, () => '?').join(',')));
      if (cache.size < 64) cache.set(n, st);
    }
    return st;
  };
}

export function sqliteDeviceStore(db: Database.Database): DeviceStore {
  // By registration id alone, so SQLite uses the unique index on it (with app_key in the WHERE
  // clause it prefers the primary key and scans the whole app); the app is checked after.
  const ridsIn = inListCache(db, (ph) => `SELECT registration_id, num, app_key FROM devices WHERE registration_id IN (${ph})`);
  const aliasesIn = inListCache(db, (ph) => `SELECT num FROM devices WHERE app_key = ? AND alias IN (${ph})`);
  const accountsIn = inListCache(db, (ph) => `SELECT num FROM devices WHERE app_key = ? AND account IN (${ph})`);
  const tagCountsIn = inListCache(db, (ph) => `SELECT num, count(*) FROM device_tags WHERE app_key = ? AND num IN (${ph}) GROUP BY num`);
  const s = {
    nextNum: db.prepare(
      `INSERT INTO device_numbers (app_key, next_num) VALUES (?, 1)
       ON CONFLICT (app_key) DO UPDATE SET next_num = next_num + 1
       RETURNING next_num - 1 AS num`,
    ),
    insert: db.prepare(
      `INSERT INTO devices (app_key, num, registration_id, platform, secret_hash, alias, mobile, account, tokens, created_at)
       VALUES (@appKey, @num, @registrationId, @platform, @secretHash, @alias, @mobile, @account, @tokens, @createdAt)`,
    ),
    byRid: db.prepare('SELECT * FROM devices WHERE registration_id = ?'),
    credentials: db.prepare('SELECT app_key, num, platform, secret_hash FROM devices WHERE registration_id = ?').raw(),
    byAlias: db.prepare('SELECT * FROM devices WHERE app_key = ? AND alias = ? ORDER BY num'),
    byAccount: db.prepare('SELECT * FROM devices WHERE app_key = ? AND account = ? ORDER BY num'),
    account: db.prepare('UPDATE devices SET account = ? WHERE app_key = ? AND num = ?'),
    tagsOf: db.prepare('SELECT tag FROM device_tags WHERE app_key = ? AND num = ? ORDER BY tag').pluck(),
    tokens: db.prepare('UPDATE devices SET tokens = ? WHERE app_key = ? AND num = ?'),
    alias: db.prepare('UPDATE devices SET alias = ? WHERE app_key = ? AND num = ?'),
    mobile: db.prepare('UPDATE devices SET mobile = ? WHERE app_key = ? AND num = ?'),
    addTag: db.prepare('INSERT OR IGNORE INTO device_tags (app_key, tag, num) VALUES (?, ?, ?)'),
    removeTag: db.prepare('DELETE FROM device_tags WHERE app_key = ? AND tag = ? AND num = ?'),
    clearTags: db.prepare('DELETE FROM device_tags WHERE app_key = ? AND num = ?'),
    withTag: db.prepare('SELECT num FROM device_tags WHERE app_key = ? AND tag = ? ORDER BY num').pluck(),
    deleteTag: db.prepare('DELETE FROM device_tags WHERE app_key = ? AND tag = ? RETURNING num').pluck(),
    listTags: db.prepare('SELECT DISTINCT tag FROM device_tags WHERE app_key = ? ORDER BY tag LIMIT ?').pluck(),
    online: db.prepare('UPDATE devices SET last_online_at = ? WHERE app_key = ? AND num = ?'),
    // primary-key order (the index rebuild batches runs of equal app and tag)
    scanDevices: db.prepare('SELECT app_key, num, platform FROM devices ORDER BY app_key, num').raw(),
    scanTags: db.prepare('SELECT app_key, tag, num FROM device_tags ORDER BY app_key, tag, num').raw(),
  };

  const insert = db.transaction((d: NewDevice): number => {
    const num = Number((s.nextNum.get(d.appKey) as Row).num);
    s.insert.run({ ...d, num, account: d.account ?? null, tokens: JSON.stringify(d.tokens) });
    return num;
  });

  const changeTags = db.transaction(
    (appKey: string, num: number, add: readonly string[], remove: readonly string[] | 'all'): string[] => {
      if (remove === 'all') s.clearTags.run(appKey, num);
      else for (const t of remove) s.removeTag.run(appKey, t, num);
      for (const t of add) s.addTag.run(appKey, t, num);
      return s.tagsOf.all(appKey, num) as string[];
    },
  );

  const changeTagMembers = db.transaction(
    (appKey: string, tag: string, add: readonly number[], remove: readonly number[]) => {
      for (const n of remove) s.removeTag.run(appKey, tag, n);
      for (const n of add) s.addTag.run(appKey, tag, n);
    },
  );

  const deleteTagFor = db.transaction((appKey: string, tag: string, nums: readonly number[]): number[] => {
    const removed: number[] = [];
    for (const n of nums) if (s.removeTag.run(appKey, tag, n).changes > 0) removed.push(n);
    return removed;
  });

  const markOnline = db.transaction((appKey: string, nums: readonly number[], at: number) => {
    for (const n of nums) s.online.run(at, appKey, n);
  });

  return {
    async insert(device) {
      const num = insert.immediate(device);
      return { ...device, account: device.account ?? null, num, tags: [], lastOnlineAt: null };
    },
    async byRegistrationId(registrationId) {
      const row = s.byRid.get(registrationId) as Row | undefined;
      if (!row) return undefined;
      return toDevice(row, s.tagsOf.all(row.app_key, row.num) as string[]);
    },
    async numsByRegistrationIds(appKey, registrationIds) {
      const out = new Map<string, number>();
      for (const part of chunks([...new Set(registrationIds)])) {
        const rows = ridsIn(part.length).raw().all(...part) as [string, number, string][];
        for (const [rid, num, app] of rows) if (app === appKey) out.set(rid, Number(num));
      }
      return out;
    },
    async numsByAliases(appKey, aliases) {
      const out: number[] = [];
      for (const part of chunks([...new Set(aliases)])) {
        const nums = aliasesIn(part.length).pluck().all(appKey, ...part) as number[];
        for (const n of nums) out.push(Number(n));
      }
      return out;
    },
    async numsByAccounts(appKey, accounts) {
      const out: number[] = [];
      for (const part of chunks([...new Set(accounts)])) {
        const nums = accountsIn(part.length).pluck().all(appKey, ...part) as number[];
        for (const n of nums) out.push(Number(n));
      }
      return out;
    },
    async devicesByAccount(appKey, account) {
      return (s.byAccount.all(appKey, account) as Row[]).map((row) => toDevice(row, s.tagsOf.all(appKey, row.num) as string[]));
    },
    async setAccount(appKey, num, account) {
      s.account.run(account, appKey, num);
    },
    async devicesByAlias(appKey, alias) {
      return (s.byAlias.all(appKey, alias) as Row[]).map((row) => toDevice(row, s.tagsOf.all(appKey, row.num) as string[]));
    },
    async updateTokens(appKey, num, tokens) {
      s.tokens.run(JSON.stringify(tokens), appKey, num);
    },
    async setAlias(appKey, num, alias) {
      s.alias.run(alias, appKey, num);
    },
    async setMobile(appKey, num, mobile) {
      s.mobile.run(mobile, appKey, num);
    },
    async changeTags(appKey, num, add, remove) {
      return changeTags.immediate(appKey, num, add, remove);
    },
    async changeTagMembers(appKey, tag, add, remove) {
      changeTagMembers.immediate(appKey, tag, add, remove);
    },
    async deleteTag(appKey, tag, nums) {
      if (nums === 'all') return (s.deleteTag.all(appKey, tag) as number[]).map(Number);
      return deleteTagFor.immediate(appKey, tag, nums);
    },
    async numsWithTag(appKey, tag) {
      return (s.withTag.all(appKey, tag) as number[]).map(Number);
    },
    async tagCounts(appKey, nums) {
      const out = new Map<number, number>();
      for (const part of chunks([...new Set(nums)])) {
        const rows = tagCountsIn(part.length).raw().all(appKey, ...part) as [number, number][];
        for (const [num, n] of rows) out.set(Number(num), Number(n));
      }
      return out;
    },
    async listTags(appKey, limit) {
      return s.listTags.all(appKey, limit) as string[];
    },
    async markOnline(appKey, nums, at) {
      if (nums.length > 0) markOnline.immediate(appKey, nums, at);
    },
    async credentials(registrationId) {
      const row = s.credentials.get(registrationId) as [string, number, DevicePlatform, Buffer] | undefined;
      return row && { appKey: row[0], num: Number(row[1]), platform: row[2], secretHash: row[3] };
    },
    async scanIndex(visit) {
      // Rows come in primary-key order: devices by (app, num), tags by (app, tag, num). Numbers
      // are gathered per (app, platform) and per (app, tag) and handed over in batches, so the
      // bitmaps take them in bulk instead of one native call per row.
      let app = '';
      let byPlatform = new Map<DevicePlatform, number[]>();
      const flushDevices = () => {
        for (const [platform, nums] of byPlatform) visit.devices(app, platform, nums);
        byPlatform = new Map();
      };
      let pending = 0;
      for (const [appKey, num, platform] of s.scanDevices.iterate() as Iterable<[string, number, DevicePlatform]>) {
        if (appKey !== app || pending >= SCAN_BATCH) {
          flushDevices();
          app = appKey;
          pending = 0;
        }
        let nums = byPlatform.get(platform);
        if (!nums) byPlatform.set(platform, (nums = []));
        nums.push(Number(num));
        pending++;
      }
      flushDevices();

      let tagApp = '';
      let tag = '';
      let nums: number[] = [];
      for (const [appKey, t, num] of s.scanTags.iterate() as Iterable<[string, string, number]>) {
        if (appKey !== tagApp || t !== tag || nums.length >= SCAN_BATCH) {
          if (nums.length > 0) visit.tagged(tagApp, tag, nums);
          tagApp = appKey;
          tag = t;
          nums = [];
        }
        nums.push(Number(num));
      }
      if (nums.length > 0) visit.tagged(tagApp, tag, nums);
    },
  };
}
