import type { SealedCredentialStore } from '../types.js';
import { num, type Db } from './db.js';

/** Sealed (encrypted) channel credentials per app and channel; the store never sees them in clear. */
export function postgresSealedCredentialStore(db: Db): SealedCredentialStore {
  return {
    async put(appKey, channel, sealed, at) {
      await db.query(
        `INSERT INTO channel_credentials (app_key, channel, sealed, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (app_key, channel) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
        [appKey, channel, sealed, at],
      );
    },
    async get(appKey, channel) {
      const { rows } = await db.query('SELECT sealed, updated_at FROM channel_credentials WHERE app_key = $1 AND channel = $2', [appKey, channel]);
      const row = rows[0];
      return row ? { sealed: row.sealed as Buffer, updatedAt: num(row.updated_at) } : undefined;
    },
    async remove(appKey, channel) {
      const r = await db.query('DELETE FROM channel_credentials WHERE app_key = $1 AND channel = $2', [appKey, channel]);
      return r.rowCount === 1;
    },
    async list() {
      const { rows } = await db.query('SELECT app_key, channel, updated_at FROM channel_credentials ORDER BY app_key, channel');
      return rows.map((r) => ({ appKey: r.app_key as string, channel: r.channel as string, updatedAt: num(r.updated_at) }));
    },
  };
}
