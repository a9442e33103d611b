import type { Push } from '../../domain/push.js';
import type { AccessKeyRecord, DeferredPush, DeferredState, EmasStore } from '../types.js';
import { numOrNull, type Row, type Db } from './db.js';

/** EMAS AppKeys are numbers of eight digits, as Alibaba's are; the first app gets this one. */
const FIRST_EMAS_APP_KEY = 30_000_001;
/** Serializes AppKey assignment across nodes (a transaction-scoped advisory lock). */
const ASSIGN_LOCK = 0x454d_4153; // "EMAS"
/**
 * A due scheduled push is taken for this long by the node that fires it; if that node dies
 * before marking it fired, another node fires it again under the same msg_id, which the
 * pushes table accepts once.
 */
const FIRE_LEASE_MS = 60_000;

function toKey(row: Row): AccessKeyRecord {
  return {
    accessKeyId: row.access_key_id as string,
    appKey: row.app_key as string,
    secret: row.secret as string,
    createdAt: Number(row.created_at),
    disabledAt: numOrNull(row.disabled_at),
  };
}

/** Stored JSON: text, or already parsed when the column is jsonb. */
function json<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

function toDeferred(row: Row): DeferredPush {
  return {
    messageId: String(row.message_id),
    appKey: row.app_key as string,
    kind: row.kind as DeferredPush['kind'],
    runAt: numOrNull(row.run_at),
    push: json<Push>(row.push),
    state: row.state as DeferredState,
    createdAt: Number(row.created_at),
    note: (row.note as string | null) ?? null,
  };
}

const messageIdParam = (id: string) => (/^[0-9]{1,18}$/.test(id) ? id : '-1');

/** The EMAS OpenAPI's tables over PostgreSQL, and its read-only queries of pushes and devices. */
export function postgresEmasStore(db: Db): EmasStore {
  const one = async (sql: string, args: unknown[]) => (await db.query(sql, args)).rows[0] as Row | undefined;
  return {
    async createAccessKey(k) {
      await db.query('INSERT INTO access_keys (access_key_id, app_key, secret, created_at, disabled_at) VALUES ($1, $2, $3, $4, $5)', [
        k.accessKeyId,
        k.appKey,
        k.secret,
        k.createdAt,
        k.disabledAt,
      ]);
    },
    async accessKey(accessKeyId) {
      const row = await one('SELECT * FROM access_keys WHERE access_key_id = $1', [accessKeyId]);
      return row && toKey(row);
    },
    async accessKeys(appKey) {
      return ((await db.query('SELECT * FROM access_keys WHERE app_key = $1 ORDER BY created_at, access_key_id', [appKey])).rows as Row[]).map(toKey);
    },
    async disableAccessKey(appKey, accessKeyId, at) {
      const r = await db.query('UPDATE access_keys SET disabled_at = $1 WHERE app_key = $2 AND access_key_id = $3 AND disabled_at IS NULL', [at, appKey, accessKeyId]);
      return (r.rowCount ?? 0) > 0;
    },
    async emasAppKey(appKey, assign) {
      const existing = await one('SELECT emas_app_key FROM emas_apps WHERE app_key = $1', [appKey]);
      if (existing) return Number(existing.emas_app_key);
      if (!assign) return undefined;
      return db.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [ASSIGN_LOCK]);
        const again = (await c.query('SELECT emas_app_key FROM emas_apps WHERE app_key = $1', [appKey])).rows[0] as Row | undefined;
        if (again) return Number(again.emas_app_key);
        const max = (await c.query('SELECT max(emas_app_key) AS m FROM emas_apps')).rows[0] as Row;
        const next = max.m == null ? FIRST_EMAS_APP_KEY : Number(max.m) + 1;
        await c.query('INSERT INTO emas_apps (app_key, emas_app_key) VALUES ($1, $2)', [appKey, next]);
        return next;
      });
    },
    async appOfEmasKey(emasAppKey) {
      if (!Number.isSafeInteger(emasAppKey)) return undefined;
      return (await one('SELECT app_key FROM emas_apps WHERE emas_app_key = $1', [emasAppKey]))?.app_key as string | undefined;
    },
    async addDeferred(d) {
      await db.query(
        `INSERT INTO emas_deferred (message_id, app_key, kind, run_at, push, state, created_at, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [d.messageId, d.appKey, d.kind, d.runAt, JSON.stringify(d.push), d.state, d.createdAt, d.note],
      );
    },
    async deferred(messageId) {
      const row = await one('SELECT * FROM emas_deferred WHERE message_id = $1', [messageIdParam(messageId)]);
      return row && toDeferred(row);
    },
    async due(now, limit) {
      // due pushes are leased as they are read (see FIRE_LEASE_MS)
      const { rows } = await db.query(
        `UPDATE emas_deferred e SET lease_until = $3
         FROM (SELECT message_id FROM emas_deferred
               WHERE state = 'pending' AND run_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
               ORDER BY run_at LIMIT $2 FOR UPDATE SKIP LOCKED) d
         WHERE e.message_id = d.message_id
         RETURNING e.*`,
        [now, limit, now + FIRE_LEASE_MS],
      );
      return (rows as Row[]).map(toDeferred).sort((a, b) => (a.runAt ?? 0) - (b.runAt ?? 0));
    },
    async nextDue() {
      const row = await one(`SELECT min(run_at) AS m FROM emas_deferred WHERE state = 'pending'`, []);
      return row?.m == null ? undefined : Number(row.m);
    },
    async transition(messageId, from, to, note) {
      const r = await db.query('UPDATE emas_deferred SET state = $1, note = coalesce($2, note) WHERE message_id = $3 AND state = $4', [
        to,
        note ?? null,
        messageIdParam(messageId),
        from,
      ]);
      return (r.rowCount ?? 0) > 0;
    },
    async idempotent(appKey, token, since) {
      return (await one('SELECT result FROM emas_idempotency WHERE app_key = $1 AND token = $2 AND created_at >= $3', [appKey, token, since]))?.result as string | undefined;
    },
    async rememberIdempotent(appKey, token, result, at) {
      // tokens only matter for 15 minutes: old ones go as new ones come
      await db.query('DELETE FROM emas_idempotency WHERE created_at < $1', [at - 24 * 3600_000]);
      await db.query(
        `INSERT INTO emas_idempotency (app_key, token, result, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (app_key, token) DO UPDATE SET result = excluded.result, created_at = excluded.created_at`,
        [appKey, token, result, at],
      );
    },
    async claimNonce(accessKeyId, nonce, now, expiresAt) {
      // A nonce need not survive a crash of the database server (it only guards a replay
      // inside the Timestamp window): the statement's own transaction commits without waiting
      // for the WAL flush (set_config local to it, in the same round trip).
      // Inserted, or an expired row taken over: one row; a live row: none.
      const r = await db.query(
        `INSERT INTO emas_nonces (access_key_id, nonce, expires_at)
         SELECT $1, $2, $3 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS unsynced
         ON CONFLICT (access_key_id, nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE emas_nonces.expires_at <= $4`,
        [accessKeyId, Buffer.from(nonce, 'utf8'), expiresAt, now],
      );
      return r.rowCount === 1;
    },
    async pruneNonces(now) {
      const r = await db.query('DELETE FROM emas_nonces WHERE expires_at <= $1', [now]);
      return r.rowCount ?? 0;
    },
    async pushRecords(appKey, from, to, offset, limit) {
      const total = Number((await one('SELECT count(*) AS n FROM pushes WHERE app_key = $1 AND created_at >= $2 AND created_at < $3', [appKey, from, to]))!.n);
      const { rows } = await db.query(
        `SELECT msg_id, created_at, body FROM pushes WHERE app_key = $1 AND created_at >= $2 AND created_at < $3
         ORDER BY created_at DESC, msg_id DESC LIMIT $4 OFFSET $5`,
        [appKey, from, to, limit, offset],
      );
      return { total, rows: (rows as Row[]).map((row) => ({ msgId: String(row.msg_id), createdAt: Number(row.created_at), push: json<Push>(row.body) })) };
    },
    async pushIds(appKey, from, to, limit) {
      const { rows } = await db.query('SELECT msg_id, created_at FROM pushes WHERE app_key = $1 AND created_at >= $2 AND created_at < $3 ORDER BY msg_id LIMIT $4', [
        appKey,
        from,
        to,
        limit,
      ]);
      return (rows as Row[]).map((row) => ({ msgId: String(row.msg_id), createdAt: Number(row.created_at) }));
    },
    async countDevices(appKey, platforms, until, since) {
      const where = ['app_key = $1', 'created_at < $2'];
      const args: unknown[] = [appKey, until];
      if (since !== undefined) {
        args.push(since);
        where.push(`created_at >= $${args.length}`);
      }
      if (platforms !== 'all') {
        args.push([...platforms]);
        where.push(`platform = ANY($${args.length}::text[])`);
      }
      return Number((await one(`SELECT count(*) AS n FROM devices WHERE ${where.join(' AND ')}`, args))!.n);
    },
    async countSeen(appKey, from, to) {
      return Number((await one('SELECT count(*) AS n FROM devices WHERE app_key = $1 AND last_online_at >= $2 AND last_online_at < $3', [appKey, from, to]))!.n);
    },
  };
}
