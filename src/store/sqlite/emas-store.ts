import type Database from 'better-sqlite3';
import type { Push } from '../../domain/push.js';
import type { AccessKeyRecord, DeferredPush, DeferredState, EmasStore, NonceClaim } from '../types.js';
import type { SqliteNonceLog } from './emas-nonce-log.js';
import type { DeferredSync } from './group-commit.js';

type Row = Record<string, unknown>;

/** EMAS AppKeys are numbers of eight digits, as Alibaba's are; the first app gets this one. */
const FIRST_EMAS_APP_KEY = 30_000_001;

function toKey(row: Row): AccessKeyRecord {
  return {
    accessKeyId: row.access_key_id as string,
    appKey: row.app_key as string,
    secret: row.secret as string,
    createdAt: Number(row.created_at),
    disabledAt: row.disabled_at == null ? null : Number(row.disabled_at),
  };
}

function toDeferred(row: Row): DeferredPush {
  return {
    messageId: String(row.message_id),
    appKey: row.app_key as string,
    kind: row.kind as DeferredPush['kind'],
    runAt: row.run_at == null ? null : Number(row.run_at),
    push: JSON.parse(row.push as string) as Push,
    state: row.state as DeferredState,
    createdAt: Number(row.created_at),
    note: (row.note as string | null) ?? null,
  };
}

/** The tables behind the EMAS OpenAPI (access keys, deferred pushes, idempotency) and its read-only queries. */
export function sqliteEmasStore(db: Database.Database, deferred: DeferredSync | null, nonces: SqliteNonceLog): EmasStore {
  const s = {
    keyInsert: db.prepare(
      'INSERT INTO access_keys (access_key_id, app_key, secret, created_at, disabled_at) VALUES (?, ?, ?, ?, ?)',
    ),
    keyGet: db.prepare('SELECT * FROM access_keys WHERE access_key_id = ?'),
    keyList: db.prepare('SELECT * FROM access_keys WHERE app_key = ? ORDER BY created_at, access_key_id'),
    keyDisable: db.prepare(
      'UPDATE access_keys SET disabled_at = ? WHERE app_key = ? AND access_key_id = ? AND disabled_at IS NULL',
    ),
    emasKeyGet: db.prepare('SELECT emas_app_key FROM emas_apps WHERE app_key = ?').pluck(),
    emasKeyMax: db.prepare('SELECT max(emas_app_key) FROM emas_apps').pluck(),
    emasKeyInsert: db.prepare('INSERT INTO emas_apps (app_key, emas_app_key) VALUES (?, ?)'),
    appOfEmasKey: db.prepare('SELECT app_key FROM emas_apps WHERE emas_app_key = ?').pluck(),
    deferredInsert: db.prepare(
      `INSERT INTO emas_deferred (message_id, app_key, kind, run_at, push, state, created_at, note)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    deferredGet: db.prepare('SELECT * FROM emas_deferred WHERE message_id = ?').safeIntegers(true),
    due: db
      .prepare(`SELECT * FROM emas_deferred WHERE state = 'pending' AND run_at <= ? ORDER BY run_at LIMIT ?`)
      .safeIntegers(true),
    nextDue: db.prepare(`SELECT min(run_at) FROM emas_deferred WHERE state = 'pending'`).pluck(),
    transition: db.prepare('UPDATE emas_deferred SET state = ?, note = coalesce(?, note) WHERE message_id = ? AND state = ?'),
    idemGet: db.prepare('SELECT result FROM emas_idempotency WHERE app_key = ? AND token = ? AND created_at >= ?').pluck(),
    idemPut: db.prepare(
      `INSERT INTO emas_idempotency (app_key, token, result, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (app_key, token) DO UPDATE SET result = excluded.result, created_at = excluded.created_at`,
    ),
    idemPrune: db.prepare('DELETE FROM emas_idempotency WHERE created_at < ?'),
    recordCount: db.prepare('SELECT count(*) FROM pushes WHERE app_key = ? AND created_at >= ? AND created_at < ?').pluck(),
    records: db
      .prepare(
        `SELECT msg_id, created_at, body FROM pushes WHERE app_key = ? AND created_at >= ? AND created_at < ?
         ORDER BY created_at DESC, msg_id DESC LIMIT ? OFFSET ?`,
      )
      .safeIntegers(true),
    ids: db
      .prepare('SELECT msg_id, created_at FROM pushes WHERE app_key = ? AND created_at >= ? AND created_at < ? ORDER BY msg_id LIMIT ?')
      .safeIntegers(true),
    seen: db.prepare('SELECT count(*) FROM devices WHERE app_key = ? AND last_online_at >= ? AND last_online_at < ?').pluck(),
  };

  // SignatureNonce claims of one event-loop turn (concurrent signed requests) share one commit.
  const nonceClaims: { claim: NonceClaim; resolve: (fresh: boolean) => void; reject: (err: unknown) => void }[] = [];
  const flushNonceClaims = async () => {
    try {
      await nonces.ready();
    } catch (err) {
      for (const c of nonceClaims.splice(0)) c.reject(err);
      return;
    }
    const batch = nonceClaims.splice(0);
    // A nonce need not survive a power loss (it only guards a replay inside the Timestamp
    // window), so with `synchronous = FULL` its commit skips the fsync: in WAL mode that keeps
    // the file consistent, and the next synced commit makes it durable anyway.
    try {
      let fresh: boolean[] = [];
      const claim = () => {
        fresh = nonces.claim(batch.map((c) => c.claim));
      };
      if (deferred) deferred.commitUnsynced(claim);
      else claim();
      batch.forEach((c, i) => c.resolve(fresh[i]!));
    } catch (err) {
      for (const c of batch) c.reject(err);
    }
  };

  // Assigning a number reads the highest one and inserts the next: one write transaction.
  const assignKey = db.transaction((appKey: string): number => {
    const existing = s.emasKeyGet.get(appKey) as number | undefined;
    if (existing !== undefined) return Number(existing);
    const max = s.emasKeyMax.get() as number | null;
    const next = max === null ? FIRST_EMAS_APP_KEY : Number(max) + 1;
    s.emasKeyInsert.run(appKey, next);
    return next;
  });

  return {
    async createAccessKey(key) {
      s.keyInsert.run(key.accessKeyId, key.appKey, key.secret, key.createdAt, key.disabledAt);
    },
    async accessKey(accessKeyId) {
      const row = s.keyGet.get(accessKeyId) as Row | undefined;
      return row && toKey(row);
    },
    async accessKeys(appKey) {
      return (s.keyList.all(appKey) as Row[]).map(toKey);
    },
    async disableAccessKey(appKey, accessKeyId, at) {
      return s.keyDisable.run(at, appKey, accessKeyId).changes > 0;
    },
    async emasAppKey(appKey, assign) {
      if (assign) return assignKey.immediate(appKey);
      const n = s.emasKeyGet.get(appKey) as number | undefined;
      return n === undefined ? undefined : Number(n);
    },
    async appOfEmasKey(emasAppKey) {
      return (s.appOfEmasKey.get(emasAppKey) as string | undefined) ?? undefined;
    },
    async addDeferred(d) {
      s.deferredInsert.run(BigInt(d.messageId), d.appKey, d.kind, d.runAt, JSON.stringify(d.push), d.state, d.createdAt, d.note);
    },
    async deferred(messageId) {
      if (!/^[0-9]{1,19}$/.test(messageId)) return undefined;
      const row = s.deferredGet.get(BigInt(messageId)) as Row | undefined;
      return row && toDeferred(row);
    },
    async due(now, limit) {
      return (s.due.all(now, limit) as Row[]).map(toDeferred);
    },
    async nextDue() {
      const v = s.nextDue.get() as number | null;
      return v === null ? undefined : Number(v);
    },
    async transition(messageId, from, to, note) {
      return s.transition.run(to, note ?? null, BigInt(messageId), from).changes > 0;
    },
    async idempotent(appKey, token, since) {
      return (s.idemGet.get(appKey, token, since) as string | undefined) ?? undefined;
    },
    async rememberIdempotent(appKey, token, result, at) {
      // tokens only matter for 15 minutes: old ones go as new ones come
      s.idemPrune.run(at - 24 * 3600_000);
      s.idemPut.run(appKey, token, result, at);
    },
    claimNonce(accessKeyId, nonce, now, expiresAt) {
      return new Promise((resolve, reject) => {
        nonceClaims.push({ claim: { accessKeyId, nonce, now, expiresAt }, resolve, reject });
        if (nonceClaims.length === 1) setImmediate(() => void flushNonceClaims());
      });
    },
    nonceMemory: {
      count: () => nonces.size,
      holds: (accessKeyId, nonce, now) => nonces.holds(accessKeyId, nonce, now),
    },
    async pruneNonces(now) {
      return nonces.pruneExpired(now);
    },
    async pushRecords(appKey, from, to, offset, limit) {
      const total = Number(s.recordCount.get(appKey, from, to));
      const rows = (s.records.all(appKey, from, to, limit, offset) as Row[]).map((row) => ({
        msgId: String(row.msg_id),
        createdAt: Number(row.created_at),
        push: JSON.parse(row.body as string) as Push,
      }));
      return { total, rows };
    },
    async pushIds(appKey, from, to, limit) {
      return (s.ids.all(appKey, from, to, limit) as Row[]).map((row) => ({ msgId: String(row.msg_id), createdAt: Number(row.created_at) }));
    },
    async countDevices(appKey, platforms, until, since) {
      const where = ['app_key = ?', 'created_at < ?'];
      const args: unknown[] = [appKey, until];
      if (since !== undefined) {
        where.push('created_at >= ?');
        args.push(since);
      }
      if (platforms !== 'all') {
        where.push(`platform IN (${platforms.map(() => '?').join(',') || "''"})`);
        args.push(...platforms);
      }
      return Number(db.prepare(`SELECT count(*) FROM devices WHERE ${where.join(' AND ')}`).pluck().get(...args));
    },
    async countSeen(appKey, from, to) {
      return Number(s.seen.get(appKey, from, to));
    },
  };
}
