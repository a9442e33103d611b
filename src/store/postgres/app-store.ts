import type { AppLimitsPatch, AppRecord, AppStore } from '../types.js';
import { numOrNull, num, type Db, type Row } from './db.js';

function toApp(row: Row): AppRecord {
  return {
    appKey: row.app_key as string,
    name: row.name as string,
    secretHash: row.secret_hash as Buffer,
    createdAt: num(row.created_at),
    rateLimit: numOrNull(row.rate_limit),
    rateWindow: numOrNull(row.rate_window),
    broadcastPerDay: numOrNull(row.broadcast_per_day),
  };
}

const LIMIT_COLUMNS: Record<keyof AppLimitsPatch, string> = {
  rateLimit: 'rate_limit',
  rateWindow: 'rate_window',
  broadcastPerDay: 'broadcast_per_day',
};

export function postgresAppStore(db: Db): AppStore {
  return {
    async create(app) {
      await db.query(
        `INSERT INTO apps (app_key, name, secret_hash, created_at, rate_limit, rate_window, broadcast_per_day)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [app.appKey, app.name, app.secretHash, app.createdAt, app.rateLimit, app.rateWindow, app.broadcastPerDay],
      );
    },
    async createFirst(app) {
      return db.tx(async (c) => {
        // nodes starting together on a fresh database: the lock lets exactly one of them see no app
        await c.query('LOCK TABLE apps IN SHARE ROW EXCLUSIVE MODE');
        const r = await c.query(
          `INSERT INTO apps (app_key, name, secret_hash, created_at, rate_limit, rate_window, broadcast_per_day)
           SELECT $1, $2, $3, $4, $5, $6, $7 WHERE NOT EXISTS (SELECT 1 FROM apps)`,
          [app.appKey, app.name, app.secretHash, app.createdAt, app.rateLimit, app.rateWindow, app.broadcastPerDay],
        );
        return r.rowCount === 1;
      });
    },
    async get(appKey) {
      const { rows } = await db.query('SELECT * FROM apps WHERE app_key = $1', [appKey]);
      return rows[0] ? toApp(rows[0]) : undefined;
    },
    async list() {
      const { rows } = await db.query('SELECT * FROM apps ORDER BY created_at, app_key');
      return rows.map(toApp);
    },
    async count() {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM apps');
      return num(rows[0]?.n);
    },
    async updateSecret(appKey, secretHash) {
      const r = await db.query('UPDATE apps SET secret_hash = $1 WHERE app_key = $2', [secretHash, appKey]);
      return r.rowCount === 1;
    },
    async updateLimits(appKey, patch) {
      const keys = (Object.keys(patch) as (keyof AppLimitsPatch)[]).filter((k) => patch[k] !== undefined);
      if (keys.length === 0) return (await this.get(appKey)) !== undefined;
      const sets = keys.map((k, i) => `${LIMIT_COLUMNS[k]} = $${i + 1}`).join(', ');
      const r = await db.query(`UPDATE apps SET ${sets} WHERE app_key = $${keys.length + 1}`, [...keys.map((k) => patch[k] ?? null), appKey]);
      return r.rowCount === 1;
    },
  };
}
