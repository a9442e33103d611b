import type Database from 'better-sqlite3';
import type { SealedCredentialStore } from '../types.js';

/** Sealed (encrypted) channel credentials per app and channel; the store never sees them in clear. */
export function sqliteSealedCredentialStore(db: Database.Database): SealedCredentialStore {
  const s = {
    put: db.prepare(
      `INSERT INTO channel_credentials (app_key, channel, sealed, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (app_key, channel) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
    ),
    get: db.prepare('SELECT sealed, updated_at FROM channel_credentials WHERE app_key = ? AND channel = ?'),
    remove: db.prepare('DELETE FROM channel_credentials WHERE app_key = ? AND channel = ?'),
    list: db.prepare('SELECT app_key, channel, updated_at FROM channel_credentials ORDER BY app_key, channel'),
  };
  return {
    async put(appKey, channel, sealed, at) {
      s.put.run(appKey, channel, sealed, at);
    },
    async get(appKey, channel) {
      const row = s.get.get(appKey, channel) as { sealed: Buffer; updated_at: number } | undefined;
      return row ? { sealed: row.sealed, updatedAt: Number(row.updated_at) } : undefined;
    },
    async remove(appKey, channel) {
      return s.remove.run(appKey, channel).changes === 1;
    },
    async list() {
      return (s.list.all() as { app_key: string; channel: string; updated_at: number }[]).map((r) => ({
        appKey: r.app_key,
        channel: r.channel,
        updatedAt: Number(r.updated_at),
      }));
    },
  };
}
