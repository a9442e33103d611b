import type Database from 'better-sqlite3';
import type { CallbackStore, CallbackUrl, QueuedCallback } from '../types.js';

type Row = Record<string, unknown>;

function toUrl(row: Row): CallbackUrl {
  return {
    appKey: row.app_key as string,
    url: row.url as string,
    isDefault: Number(row.is_default) === 1,
    types: Number(row.types),
    createdAt: Number(row.created_at),
  };
}

function toQueued(row: Row): QueuedCallback {
  return {
    id: Number(row.id),
    appKey: row.app_key as string,
    url: row.url as string,
    body: row.body as string,
    createdAt: Number(row.created_at),
    attempts: Number(row.attempts),
    nextAt: Number(row.next_at),
    lastError: (row.last_error as string | null) ?? null,
  };
}

/** Registered callback URLs and the durable queue of receipt batches bound for them. */
export function sqliteCallbackStore(db: Database.Database): CallbackStore {
  const s = {
    urlUpsert: db.prepare(
      `INSERT INTO app_callback_urls (app_key, url, is_default, created_at, types)
       VALUES (@appKey, @url, @isDefault, @at, coalesce(@types, 15))
       ON CONFLICT (app_key, url) DO UPDATE SET
         is_default = max(is_default, excluded.is_default),
         types = coalesce(@types, types)`,
    ),
    clearDefault: db.prepare('UPDATE app_callback_urls SET is_default = 0 WHERE app_key = ? AND url <> ?'),
    urlDelete: db.prepare('DELETE FROM app_callback_urls WHERE app_key = ? AND url = ?'),
    urlList: db.prepare('SELECT * FROM app_callback_urls WHERE app_key = ? ORDER BY is_default DESC, created_at, url'),
    urlGet: db.prepare('SELECT * FROM app_callback_urls WHERE app_key = ? AND url = ?'),
    urlDefault: db.prepare('SELECT * FROM app_callback_urls WHERE app_key = ? AND is_default = 1'),
    due: db.prepare('SELECT * FROM callback_queue WHERE next_at <= ? ORDER BY next_at, id LIMIT ?'),
    lease: db.prepare('UPDATE callback_queue SET next_at = ? WHERE id = ?'),
    remove: db.prepare('DELETE FROM callback_queue WHERE id = ?'),
    retry: db.prepare('UPDATE callback_queue SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?'),
    hold: db.prepare('UPDATE callback_queue SET next_at = ? WHERE app_key = ? AND url = ? AND next_at < ?'),
    count: db.prepare('SELECT count(*) FROM callback_queue').pluck(),
  };

  const addUrl = db.transaction(
    (appKey: string, url: string, options: { isDefault: boolean; types?: number }, at: number): CallbackUrl => {
      // clear the old default first: the partial unique index allows one per app
      if (options.isDefault) s.clearDefault.run(appKey, url);
      s.urlUpsert.run({ appKey, url, isDefault: options.isDefault ? 1 : 0, at, types: options.types ?? null });
      return toUrl(s.urlGet.get(appKey, url) as Row);
    },
  );

  const claim = db.transaction((now: number, limit: number, leaseUntil: number): QueuedCallback[] => {
    const rows = (s.due.all(now, limit) as Row[]).map(toQueued);
    for (const r of rows) s.lease.run(leaseUntil, r.id);
    return rows;
  });

  return {
    async addUrl(appKey, url, options, at) {
      return addUrl.immediate(appKey, url, options, at);
    },
    async removeUrl(appKey, url) {
      return s.urlDelete.run(appKey, url).changes === 1;
    },
    async listUrls(appKey) {
      return (s.urlList.all(appKey) as Row[]).map(toUrl);
    },
    async getUrl(appKey, url) {
      const row = s.urlGet.get(appKey, url) as Row | undefined;
      return row ? toUrl(row) : undefined;
    },
    async defaultUrl(appKey) {
      const row = s.urlDefault.get(appKey) as Row | undefined;
      return row ? toUrl(row) : undefined;
    },
    async due(now, limit) {
      return (s.due.all(now, limit) as Row[]).map(toQueued);
    },
    async claim(now, limit, leaseUntil) {
      return claim.immediate(now, limit, leaseUntil);
    },
    async release(id, nextAt) {
      s.lease.run(nextAt, id);
    },
    async remove(id) {
      s.remove.run(id);
    },
    async retryLater(id, nextAt, error) {
      s.retry.run(nextAt, error, id);
    },
    async holdUrl(appKey, url, until) {
      s.hold.run(until, appKey, url, until);
    },
    async queued() {
      return Number(s.count.get());
    },
  };
}
