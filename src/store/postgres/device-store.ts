import type { DevicePlatform, DeviceRecord } from '../../domain/device.js';
import type { DeviceStore } from '../types.js';
import { Coalescer } from './coalesce.js';
import { num, numOrNull, type Db, type Queryable, type Row } from './db.js';

interface DeviceCredentialRow {
  appKey: string;
  num: number;
  platform: DevicePlatform;
  secretHash: Buffer;
}

function toDevice(row: Row, tags: string[]): DeviceRecord {
  return {
    appKey: row.app_key as string,
    num: num(row.num),
    registrationId: row.registration_id as string,
    platform: row.platform as DevicePlatform,
    secretHash: row.secret_hash as Buffer,
    alias: (row.alias as string | null) ?? null,
    mobile: (row.mobile as string | null) ?? null,
    account: (row.account as string | null) ?? null,
    tags,
    tokens: JSON.parse(row.tokens as string) as DeviceRecord['tokens'],
    createdAt: num(row.created_at),
    lastOnlineAt: numOrNull(row.last_online_at),
  };
}

/** Rows read per round trip by the index rebuild (keyset pages, no cursor held open). */
const SCAN_PAGE = 65_536;

const DEVICE_TAGS = `coalesce((SELECT array_agg(t.tag ORDER BY t.tag) FROM device_tags t
  WHERE t.app_key = d.app_key AND t.num = d.num), '{}') AS tags`;

async function tagsOf(q: Queryable, appKey: string, deviceNum: number): Promise<string[]> {
  const { rows } = await q.query<{ tag: string }>('SELECT tag FROM device_tags WHERE app_key = $1 AND num = $2 ORDER BY tag', [appKey, deviceNum]);
  return rows.map((r) => r.tag);
}

export function postgresDeviceStore(db: Db): DeviceStore {
  const devicesWith = async (where: string, params: unknown[]) => {
    const { rows } = await db.query(`SELECT d.*, ${DEVICE_TAGS} FROM devices d WHERE ${where} ORDER BY d.num`, params);
    return rows.map((row) => toDevice(row, row.tags as string[]));
  };

  // connects come in storms: the credential checks of one event-loop turn share one query
  const credentialLookups = new Coalescer<string, DeviceCredentialRow>(async (ids) => {
    const { rows } = await db.prepared(
      'borealis_device_credentials',
      'SELECT registration_id, app_key, num, platform, secret_hash FROM devices WHERE registration_id = ANY($1::text[])',
      [ids],
    );
    const out = new Map<string, DeviceCredentialRow>();
    for (const row of rows) {
      out.set(row.registration_id as string, {
        appKey: row.app_key as string,
        num: num(row.num),
        platform: row.platform as DevicePlatform,
        secretHash: row.secret_hash as Buffer,
      });
    }
    return out;
  });

  return {
    async insert(device) {
      // The counter row stays locked until commit: registrations of one app on any node take
      // turns for it, and a failed insert rolls the number back (no gaps, no repeats).
      const deviceNum = await db.tx(async (tx) => {
        const { rows } = await tx.query<{ num: number }>(
          `INSERT INTO device_numbers (app_key, next_num) VALUES ($1, 1)
           ON CONFLICT (app_key) DO UPDATE SET next_num = device_numbers.next_num + 1
           RETURNING next_num - 1 AS num`,
          [device.appKey],
        );
        const n = num(rows[0]?.num);
        await tx.query(
          `INSERT INTO devices (app_key, num, registration_id, platform, secret_hash, alias, mobile, account, tokens, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [
            device.appKey,
            n,
            device.registrationId,
            device.platform,
            device.secretHash,
            device.alias,
            device.mobile,
            device.account ?? null,
            JSON.stringify(device.tokens),
            device.createdAt,
          ],
        );
        return n;
      });
      return { ...device, account: device.account ?? null, num: deviceNum, tags: [], lastOnlineAt: null };
    },
    async byRegistrationId(registrationId) {
      return (await devicesWith('d.registration_id = $1', [registrationId]))[0];
    },
    async numsByRegistrationIds(appKey, registrationIds) {
      const out = new Map<string, number>();
      if (registrationIds.length === 0) return out;
      const { rows } = await db.query<{ registration_id: string; num: number }>(
        'SELECT registration_id, num FROM devices WHERE app_key = $1 AND registration_id = ANY($2::text[])',
        [appKey, [...new Set(registrationIds)]],
      );
      for (const r of rows) out.set(r.registration_id, num(r.num));
      return out;
    },
    async numsByAliases(appKey, aliases) {
      if (aliases.length === 0) return [];
      const { rows } = await db.query<{ num: number }>('SELECT num FROM devices WHERE app_key = $1 AND alias = ANY($2::text[])', [appKey, [...new Set(aliases)]]);
      return rows.map((r) => num(r.num));
    },
    async devicesByAlias(appKey, alias) {
      return devicesWith('d.app_key = $1 AND d.alias = $2', [appKey, alias]);
    },
    async numsByAccounts(appKey, accounts) {
      if (accounts.length === 0) return [];
      const { rows } = await db.query<{ num: number }>('SELECT num FROM devices WHERE app_key = $1 AND account = ANY($2::text[])', [appKey, [...new Set(accounts)]]);
      return rows.map((r) => num(r.num));
    },
    async devicesByAccount(appKey, account) {
      return devicesWith('d.app_key = $1 AND d.account = $2', [appKey, account]);
    },
    async setAccount(appKey, deviceNum, account) {
      await db.query('UPDATE devices SET account = $1 WHERE app_key = $2 AND num = $3', [account, appKey, deviceNum]);
    },
    async updateTokens(appKey, deviceNum, tokens) {
      await db.query('UPDATE devices SET tokens = $1 WHERE app_key = $2 AND num = $3', [JSON.stringify(tokens), appKey, deviceNum]);
    },
    async setAlias(appKey, deviceNum, alias) {
      await db.query('UPDATE devices SET alias = $1 WHERE app_key = $2 AND num = $3', [alias, appKey, deviceNum]);
    },
    async setMobile(appKey, deviceNum, mobile) {
      await db.query('UPDATE devices SET mobile = $1 WHERE app_key = $2 AND num = $3', [mobile, appKey, deviceNum]);
    },
    async changeTags(appKey, deviceNum, add, remove) {
      return db.tx(async (tx) => {
        if (remove === 'all') await tx.query('DELETE FROM device_tags WHERE app_key = $1 AND num = $2', [appKey, deviceNum]);
        else if (remove.length > 0) {
          await tx.query('DELETE FROM device_tags WHERE app_key = $1 AND num = $2 AND tag = ANY($3::text[])', [appKey, deviceNum, remove]);
        }
        if (add.length > 0) {
          await tx.query(
            `INSERT INTO device_tags (app_key, tag, num) SELECT $1, t, $2 FROM unnest($3::text[]) AS t ON CONFLICT DO NOTHING`,
            [appKey, deviceNum, [...new Set(add)]],
          );
        }
        return tagsOf(tx, appKey, deviceNum);
      });
    },
    async changeTagMembers(appKey, tag, add, remove) {
      if (add.length === 0 && remove.length === 0) return;
      await db.tx(async (tx) => {
        if (remove.length > 0) await tx.query('DELETE FROM device_tags WHERE app_key = $1 AND tag = $2 AND num = ANY($3::integer[])', [appKey, tag, remove]);
        if (add.length > 0) {
          await tx.query(
            `INSERT INTO device_tags (app_key, tag, num) SELECT $1, $2, n FROM unnest($3::integer[]) AS n ON CONFLICT DO NOTHING`,
            [appKey, tag, [...new Set(add)]],
          );
        }
      });
    },
    async deleteTag(appKey, tag, nums) {
      const { rows } =
        nums === 'all'
          ? await db.query<{ num: number }>('DELETE FROM device_tags WHERE app_key = $1 AND tag = $2 RETURNING num', [appKey, tag])
          : await db.query<{ num: number }>('DELETE FROM device_tags WHERE app_key = $1 AND tag = $2 AND num = ANY($3::integer[]) RETURNING num', [appKey, tag, nums]);
      return rows.map((r) => num(r.num));
    },
    async numsWithTag(appKey, tag) {
      const { rows } = await db.query<{ num: number }>('SELECT num FROM device_tags WHERE app_key = $1 AND tag = $2 ORDER BY num', [appKey, tag]);
      return rows.map((r) => num(r.num));
    },
    async tagCounts(appKey, nums) {
      const out = new Map<number, number>();
      if (nums.length === 0) return out;
      const { rows } = await db.query<{ num: number; n: string }>(
        'SELECT num, count(*) AS n FROM device_tags WHERE app_key = $1 AND num = ANY($2::integer[]) GROUP BY num',
        [appKey, [...new Set(nums)]],
      );
      for (const r of rows) out.set(num(r.num), num(r.n));
      return out;
    },
    async listTags(appKey, limit) {
      const { rows } = await db.query<{ tag: string }>('SELECT DISTINCT tag FROM device_tags WHERE app_key = $1 ORDER BY tag LIMIT $2', [appKey, limit]);
      return rows.map((r) => r.tag);
    },
    async markOnline(appKey, nums, at) {
      if (nums.length === 0) return;
      await db.query('UPDATE devices SET last_online_at = $1 WHERE app_key = $2 AND num = ANY($3::integer[])', [at, appKey, nums]);
    },
    credentials(registrationId) {
      return credentialLookups.get(registrationId);
    },
    async scanIndex(visit) {
      // Keyset pages in primary-key order; within a page, numbers are grouped by (app, platform)
      // and (app, tag) and handed over in bulk.
      let after: [string, number] = ['', -1];
      for (;;) {
        const { rows } = await db.query<{ app_key: string; num: number; platform: DevicePlatform }>(
          'SELECT app_key, num, platform FROM devices WHERE (app_key, num) > ($1, $2) ORDER BY app_key, num LIMIT $3',
          [after[0], after[1], SCAN_PAGE],
        );
        let app = '';
        let byPlatform = new Map<DevicePlatform, number[]>();
        const flush = () => {
          for (const [platform, nums] of byPlatform) visit.devices(app, platform, nums);
          byPlatform = new Map();
        };
        for (const r of rows) {
          if (r.app_key !== app) {
            flush();
            app = r.app_key;
          }
          let nums = byPlatform.get(r.platform);
          if (!nums) byPlatform.set(r.platform, (nums = []));
          nums.push(num(r.num));
        }
        flush();
        const last = rows.at(-1);
        if (!last || rows.length < SCAN_PAGE) break;
        after = [last.app_key, num(last.num)];
      }

      let tagAfter: [string, string, number] = ['', '', -1];
      for (;;) {
        const { rows } = await db.query<{ app_key: string; tag: string; num: number }>(
          'SELECT app_key, tag, num FROM device_tags WHERE (app_key, tag, num) > ($1, $2, $3) ORDER BY app_key, tag, num LIMIT $4',
          [tagAfter[0], tagAfter[1], tagAfter[2], SCAN_PAGE],
        );
        let app = '';
        let tag = '';
        let nums: number[] = [];
        for (const r of rows) {
          if (r.app_key !== app || r.tag !== tag) {
            if (nums.length > 0) visit.tagged(app, tag, nums);
            app = r.app_key;
            tag = r.tag;
            nums = [];
          }
          nums.push(num(r.num));
        }
        if (nums.length > 0) visit.tagged(app, tag, nums);
        const last = rows.at(-1);
        if (!last || rows.length < SCAN_PAGE) break;
        tagAfter = [last.app_key, last.tag, num(last.num)];
      }
    },
  };
}
