import type Database from 'better-sqlite3';
import type { DevicePlatform } from '../../domain/device.js';
import type { ActivityRow, ActivityStore } from '../activity-types.js';

type Row = Record<string, unknown>;

/** Per-period activity bitmaps and new-device counts for the users report. */
export function sqliteActivityStore(db: Database.Database): ActivityStore {
  const s = {
    get: db.prepare('SELECT devices FROM device_activity WHERE app_key = ? AND unit = ? AND period = ?').pluck(),
    put: db.prepare(
      `INSERT INTO device_activity (app_key, unit, period, devices) VALUES (?, ?, ?, ?)
       ON CONFLICT (app_key, unit, period) DO UPDATE SET devices = excluded.devices`,
    ),
    prune: db.prepare('DELETE FROM device_activity WHERE unit = ? AND period < ?'),
    created: db.prepare(
      'SELECT platform, count(*) AS n FROM devices WHERE app_key = ? AND created_at >= ? AND created_at < ? GROUP BY platform',
    ),
  };
  const merge = db.transaction((rows: readonly ActivityRow[], or: (a: Buffer, b: Buffer) => Buffer) => {
    for (const r of rows) {
      const stored = s.get.get(r.appKey, r.unit, r.period) as Buffer | undefined;
      s.put.run(r.appKey, r.unit, r.period, stored ? or(stored, r.devices) : r.devices);
    }
  });
  return {
    async merge(rows, or) {
      if (rows.length > 0) merge.immediate(rows, or);
    },
    async get(appKey, unit, period) {
      return (s.get.get(appKey, unit, period) as Buffer | undefined) ?? undefined;
    },
    async prune(unit, before) {
      s.prune.run(unit, before);
    },
    async newDevices(appKey, from, to) {
      const out = new Map<DevicePlatform, number>();
      for (const row of s.created.all(appKey, from, to) as Row[]) out.set(row.platform as DevicePlatform, Number(row.n));
      return out;
    },
  };
}
