import type { CallbackStore, CallbackUrl, QueuedCallback } from '../types.js';
import { num, type Db, type Row } from './db.js';

function toUrl(row: Row): CallbackUrl {
  return {
    appKey: row.app_key as string,
    url: row.url as string,
    isDefault: row.is_default === true,
    types: num(row.types),
    createdAt: num(row.created_at),
  };
}

function toQueued(row: Row): QueuedCallback {
  return {
    id: num(row.id),
    appKey: row.app_key as string,
    url: row.url as string,
    body: row.body as string,
    createdAt: num(row.created_at),
    attempts: num(row.attempts),
    nextAt: num(row.next_at),
    lastError: (row.last_error as string | null) ?? null,
  };
}

/** Registered callback URLs and the durable queue of receipt batches bound for them. */
export function postgresCallbackStore(db: Db): CallbackStore {
  return {
    async addUrl(appKey, url, options, at) {
      const row = await db.tx(async (tx) => {
        // one default per app: registrations of one app take turns, on any node
        await tx.query("SELECT pg_advisory_xact_lock(hashtext('borealis.callback_urls'), hashtext($1))", [appKey]);
        if (options.isDefault) await tx.query('UPDATE app_callback_urls SET is_default = false WHERE app_key = $1 AND url <> $2', [appKey, url]);
        const { rows } = await tx.query(
          `INSERT INTO app_callback_urls (app_key, url, is_default, created_at, types)
           VALUES ($1, $2, $3, $4, coalesce($5::integer, 15))
           ON CONFLICT (app_key, url) DO UPDATE SET
             is_default = app_callback_urls.is_default OR excluded.is_default,
             types = coalesce($5::integer, app_callback_urls.types)
           RETURNING *`,
          [appKey, url, options.isDefault, at, options.types ?? null],
        );
        return rows[0]!;
      });
      return toUrl(row);
    },
    async removeUrl(appKey, url) {
      const r = await db.query('DELETE FROM app_callback_urls WHERE app_key = $1 AND url = $2', [appKey, url]);
      return r.rowCount === 1;
    },
    async listUrls(appKey) {
      const { rows } = await db.query('SELECT * FROM app_callback_urls WHERE app_key = $1 ORDER BY is_default DESC, created_at, url', [appKey]);
      return rows.map(toUrl);
    },
    async getUrl(appKey, url) {
      const { rows } = await db.query('SELECT * FROM app_callback_urls WHERE app_key = $1 AND url = $2', [appKey, url]);
      return rows[0] ? toUrl(rows[0]) : undefined;
    },
    async defaultUrl(appKey) {
      const { rows } = await db.query('SELECT * FROM app_callback_urls WHERE app_key = $1 AND is_default', [appKey]);
      return rows[0] ? toUrl(rows[0]) : undefined;
    },
    async due(now, limit) {
      const { rows } = await db.query('SELECT * FROM callback_queue WHERE next_at <= $1 ORDER BY next_at, id LIMIT $2', [now, limit]);
      return rows.map(toQueued);
    },
    async claim(now, limit, leaseUntil) {
      // SKIP LOCKED: a batch another node is claiming right now is left to it, not waited for
      const { rows } = await db.query(
        `WITH picked AS (
           SELECT id, next_at FROM callback_queue WHERE next_at <= $1 ORDER BY next_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
         )
         UPDATE callback_queue q SET next_at = $3 FROM picked WHERE q.id = picked.id
         RETURNING q.id, q.app_key, q.url, q.body, q.created_at, q.attempts, picked.next_at, q.last_error`,
        [now, limit, leaseUntil],
      );
      return rows.map(toQueued).sort((a, b) => a.nextAt - b.nextAt || a.id - b.id);
    },
    async release(id, nextAt) {
      await db.query('UPDATE callback_queue SET next_at = $1 WHERE id = $2', [nextAt, id]);
    },
    async remove(id) {
      await db.query('DELETE FROM callback_queue WHERE id = $1', [id]);
    },
    async retryLater(id, nextAt, error) {
      await db.query('UPDATE callback_queue SET attempts = attempts + 1, next_at = $1, last_error = $2 WHERE id = $3', [nextAt, error, id]);
    },
    async holdUrl(appKey, url, until) {
      await db.query('UPDATE callback_queue SET next_at = $1 WHERE app_key = $2 AND url = $3 AND next_at < $1', [until, appKey, url]);
    },
    async queued() {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM callback_queue');
      return num(rows[0]?.n);
    },
  };
}
