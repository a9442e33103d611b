import type { DevicePlatform } from '../../domain/device.js';
import type { ActivityStore } from '../activity-types.js';
import { type Row, type Db } from './db.js';

/**
 * Per-period activity bitmaps over PostgreSQL. Nodes merge their own connections' activity
 * into the same rows: each row is locked while it is OR-ed, so no node's devices are lost.
 */
export function postgresActivityStore(db: Db): ActivityStore {
  return {
    async merge(rows, or) {
      if (rows.length === 0) return;
      // one lock order for every node: (app, unit, period)
      const sorted = [...rows].sort((a, b) => (a.appKey < b.appKey ? -1 : a.appKey > b.appKey ? 1 : a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : a.period - b.period));
      await db.tx(async (c) => {
        for (const r of sorted) {
          const inserted = await c.query(
            'INSERT INTO device_activity (app_key, unit, period, devices) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
            [r.appKey, r.unit, r.period, r.devices],
          );
          if (inserted.rowCount === 1) continue;
          const { rows: found } = await c.query('SELECT devices FROM device_activity WHERE app_key = $1 AND unit = $2 AND period = $3 FOR UPDATE', [
            r.appKey,
            r.unit,
            r.period,
          ]);
          const stored = (found[0] as Row).devices as Buffer;
          await c.query('UPDATE device_activity SET devices = $4 WHERE app_key = $1 AND unit = $2 AND period = $3', [r.appKey, r.unit, r.period, or(stored, r.devices)]);
        }
      });
    },
    async get(appKey, unit, period) {
      const { rows } = await db.query('SELECT devices FROM device_activity WHERE app_key = $1 AND unit = $2 AND period = $3', [appKey, unit, period]);
      return (rows[0] as Row | undefined)?.devices as Buffer | undefined;
    },
    async prune(unit, before) {
      await db.query('DELETE FROM device_activity WHERE unit = $1 AND period < $2', [unit, before]);
    },
    async newDevices(appKey, from, to) {
      const out = new Map<DevicePlatform, number>();
      const { rows } = await db.query('SELECT platform, count(*) AS n FROM devices WHERE app_key = $1 AND created_at >= $2 AND created_at < $3 GROUP BY platform', [
        appKey,
        from,
        to,
      ]);
      for (const row of rows as Row[]) out.set(row.platform as DevicePlatform, Number(row.n));
      return out;
    },
  };
}
