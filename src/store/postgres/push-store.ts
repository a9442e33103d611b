import type { DevicePlatform } from '../../domain/device.js';
import type { AcceptedPush } from '../../domain/push.js';
import type { CallbackBatch, InboxEntry, InboxPageEntry, LivePushRow, NonceClaim, PushHead, PushStore, ReceiptRow, TargetSet } from '../types.js';
import { NonceUsedError } from '../store-errors.js';
import { msgIdParam, num, numOrNull, type Db, type Queryable, type Row } from './db.js';
import type { PushSideWrites } from './push-side-writes.js';
import { mergeReceipts } from '../receipt-merge.js';
import { retryOnConflict } from './retry.js';
import { Coalescer } from './coalesce.js';

type Item = { push: AcceptedPush; targets: TargetSet };

/**
 * Collects the inserts of one event-loop turn and commits them in one transaction, so a burst
 * of accepted pushes costs one round of statements and one commit rather than one each; every
 * caller still hears back only after its row is committed.
 */
class GroupCommit {
  private queue: { item: Item; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly writeAll: (items: Item[]) => Promise<void>) {}

  add(item: Item): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const run = this.writeAll(batch.map((b) => b.item)).then(
      () => batch.forEach((b) => b.resolve()),
      (err: unknown) => batch.forEach((b) => b.reject(err)),
    );
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /** Writes what is queued and waits for every batch in flight. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.inFlight]);
  }
}

const LIVE_COLUMNS = `p.msg_id, p.body, p.created_at, p.expires_at, p.targets, p.revoked_at, p.overridden_by,
  r.msg_id AS r_id, r.sent, r.acked, r.clicked, r.withdrawn`;

function toPush(row: Row): AcceptedPush {
  return {
    ...(JSON.parse(row.body as string) as Omit<AcceptedPush, 'msgId' | 'createdAt' | 'expiresAt'>),
    msgId: String(row.msg_id),
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at),
  };
}

function toReceipts(row: Row): ReceiptRow | null {
  if (row.r_id == null) return null;
  return {
    msgId: String(row.r_id),
    sent: row.sent as Buffer,
    acked: row.acked as Buffer,
    clicked: row.clicked as Buffer,
    withdrawn: (row.withdrawn as Buffer | null) ?? null,
  };
}

function toLivePushRow(row: Row): LivePushRow {
  return {
    push: toPush(row),
    targets: row.targets as Buffer,
    receipts: toReceipts(row),
    revokedAt: numOrNull(row.revoked_at),
    overriddenBy: row.overridden_by == null ? null : String(row.overridden_by),
  };
}

function toHead(row: Row): PushHead {
  return {
    msgId: String(row.msg_id),
    appKey: row.app_key as string,
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at),
    revokedAt: numOrNull(row.revoked_at),
  };
}

const INSERT_PUSHES = `INSERT INTO pushes (msg_id, app_key, created_at, expires_at, broadcast, body, targets, target_count, inbox)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::boolean[], $6::text[], $7::bytea[], $8::integer[], $9::boolean[])`;

/** Pushes and their inbox rows in one statement: one round trip and one implicit transaction, atomic as a statement is. */
const INSERT_PUSHES_AND_INBOX = `WITH p AS (${INSERT_PUSHES})
  INSERT INTO inbox (app_key, num, msg_id, expires_at)
  SELECT * FROM unnest($10::text[], $11::integer[], $12::bigint[], $13::bigint[]) ON CONFLICT DO NOTHING`;

/** True when a batch writes nothing but pushes and inbox rows (no relay, SMS, cid or override side writes). */
function plainBatch(items: readonly Item[]): boolean {
  return items.every(
    ({ push, targets }) =>
      targets.relay === undefined && typeof push.smsMessage?.delay_time !== 'number' && push.cid === undefined && push.options.overrideMsgId === undefined,
  );
}

/** Commits one group of pushes: plain ones in a single statement, the others in a transaction with their side writes. */
async function commitPushes(db: Db, items: Item[], side: PushSideWrites): Promise<void> {
  if (!plainBatch(items)) return db.tx((tx) => insertPushes(tx, items, side));
  const inbox = inboxColumns(items);
  await db.prepared('borealis_insert_pushes', INSERT_PUSHES_AND_INBOX, [...pushColumns(items), inbox.app, inbox.num, inbox.msg, inbox.exp]);
}

function pushColumns(items: readonly Item[]): unknown[] {
  const col = <T>(f: (i: Item) => T) => items.map(f);
  return [
    col((i) => i.push.msgId),
    col((i) => i.push.appKey),
    col((i) => i.push.createdAt),
    col((i) => i.push.expiresAt),
    col((i) => i.push.audience.all === true),
    col(({ push }) => {
      const { msgId: _id, createdAt: _c, expiresAt: _e, ...content } = push;
      return JSON.stringify(content);
    }),
    col((i) => i.targets.bitmap),
    col((i) => i.targets.count),
    col((i) => i.targets.inbox !== undefined),
  ];
}

function inboxColumns(items: readonly Item[]) {
  const inbox = { app: [] as string[], num: [] as number[], msg: [] as string[], exp: [] as number[] };
  for (const { push, targets } of items) {
    for (const n of targets.inbox ?? []) {
      inbox.app.push(push.appKey);
      inbox.num.push(n);
      inbox.msg.push(push.msgId);
      inbox.exp.push(push.expiresAt);
    }
  }
  return inbox;
}

async function insertPushes(tx: Queryable, items: Item[], side: PushSideWrites): Promise<void> {
  await tx.query(INSERT_PUSHES, pushColumns(items));
  const inbox = inboxColumns(items);
  if (inbox.num.length > 0) {
    await tx.query(
      `INSERT INTO inbox (app_key, num, msg_id, expires_at)
       SELECT * FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::bigint[]) ON CONFLICT DO NOTHING`,
      [inbox.app, inbox.num, inbox.msg, inbox.exp],
    );
  }

  for (const { push, targets } of items) {
    if (targets.relay !== undefined) await side.relay(tx, push.msgId, push.appKey, targets.relay, push.createdAt);
    // SMS supplement: due delay_time after the push, durable with it
    const delay = push.smsMessage?.delay_time;
    if (typeof delay === 'number') await side.smsJob(tx, push.msgId, push.appKey, push.createdAt + delay * 1000);
  }

  const used = items.filter((i) => i.push.cid !== undefined);
  if (used.length > 0) {
    await tx.query(
      `UPDATE cids c SET msg_id = u.msg_id, sendno = u.sendno, used_at = u.used_at
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[]) AS u (cid, msg_id, sendno, used_at)
       WHERE c.cid = u.cid AND c.msg_id IS NULL`,
      [used.map((i) => i.push.cid), used.map((i) => i.push.msgId), used.map((i) => i.push.sendno), used.map((i) => i.push.createdAt)],
    );
  }

  const overrides = items.filter((i) => i.push.options.overrideMsgId !== undefined);
  if (overrides.length > 0) {
    await tx.query(
      `UPDATE pushes p SET overridden_by = u.by FROM unnest($1::bigint[], $2::bigint[]) AS u (target, by) WHERE p.msg_id = u.target`,
      [overrides.map((i) => msgIdParam(i.push.options.overrideMsgId!)), overrides.map((i) => i.push.msgId)],
    );
  }
}

/**
 * Adds receipt bitmaps to what is stored: new rows go in as they are; existing ones are locked
 * and merged (OR), so receipts saved by two nodes for one push add up instead of overwriting.
 * Rows are taken in msg_id order so two savers never lock in opposite orders.
 */
async function mergeReceiptRows(tx: Queryable, rows: readonly ReceiptRow[]): Promise<void> {
  const byId = new Map<string, ReceiptRow>();
  for (const r of rows) {
    const id = msgIdParam(r.msgId);
    if (id === '-1') continue; // no push can have it
    const seen = byId.get(id);
    byId.set(id, seen ? mergeReceipts(seen, r) : { ...r, msgId: id });
  }
  if (byId.size === 0) return;
  const sorted = [...byId.values()].sort((a, b) => (BigInt(a.msgId) < BigInt(b.msgId) ? -1 : 1));
  const inserted = await tx.query<{ msg_id: string }>(
    `INSERT INTO push_receipts (msg_id, sent, acked, clicked, withdrawn)
     SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::bytea[], $5::bytea[]) ORDER BY 1
     ON CONFLICT (msg_id) DO NOTHING RETURNING msg_id`,
    [sorted.map((r) => r.msgId), sorted.map((r) => r.sent), sorted.map((r) => r.acked), sorted.map((r) => r.clicked), sorted.map((r) => r.withdrawn)],
  );
  const fresh = new Set(inserted.rows.map((r) => String(r.msg_id)));
  const existing = sorted.filter((r) => !fresh.has(r.msgId));
  if (existing.length === 0) return;
  const stored = await tx.query(
    `SELECT msg_id AS r_id, sent, acked, clicked, withdrawn FROM push_receipts
     WHERE msg_id = ANY($1::bigint[]) ORDER BY msg_id FOR UPDATE`,
    [existing.map((r) => r.msgId)],
  );
  const merged: ReceiptRow[] = [];
  const storedById = new Map(stored.rows.map((row) => [String(row.r_id), toReceipts(row)!]));
  for (const r of existing) {
    const s = storedById.get(r.msgId);
    if (s) merged.push(mergeReceipts(s, r));
  }
  if (merged.length === 0) return;
  await tx.query(
    `UPDATE push_receipts r SET sent = u.sent, acked = u.acked, clicked = u.clicked, withdrawn = u.withdrawn
     FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::bytea[], $5::bytea[]) AS u (msg_id, sent, acked, clicked, withdrawn)
     WHERE r.msg_id = u.msg_id`,
    [merged.map((r) => r.msgId), merged.map((r) => r.sent), merged.map((r) => r.acked), merged.map((r) => r.clicked), merged.map((r) => r.withdrawn)],
  );
}

async function queueCallbacks(tx: Queryable, callbacks: readonly CallbackBatch[]): Promise<void> {
  if (callbacks.length === 0) return;
  await tx.query(
    `INSERT INTO callback_queue (app_key, url, body, created_at, next_at)
     SELECT a, u, b, c, c FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS x (a, u, b, c)`,
    [callbacks.map((c) => c.appKey), callbacks.map((c) => c.url), callbacks.map((c) => c.body), callbacks.map((c) => c.createdAt)],
  );
}

async function dropInbox(tx: Queryable, done: readonly InboxEntry[]): Promise<void> {
  if (done.length === 0) return;
  await tx.query(
    `DELETE FROM inbox i USING unnest($1::text[], $2::integer[], $3::bigint[]) AS d (app_key, num, msg_id)
     WHERE i.app_key = d.app_key AND i.num = d.num AND i.msg_id = d.msg_id`,
    [done.map((d) => d.appKey), done.map((d) => d.num), done.map((d) => msgIdParam(d.msgId))],
  );
}

/** The push store with a handle to wait for pending group commits (before closing). */
export interface PostgresPushStore extends PushStore {
  drain(): Promise<void>;
}

/**
 * First inbox pages of many devices of one app in one query; keys are `num:now:limit`, each
 * device read with its own clock and page size, exactly as a query of its own would.
 */
function firstInboxPages(db: Db, appKey: string): Coalescer<string, InboxPageEntry[]> {
  return new Coalescer(async (keys) => {
    const parts = keys.map((k) => k.split(':'));
    const { rows } = await db.prepared(
      'borealis_first_inbox_pages',
      `SELECT q.k, i.msg_id AS i_id, ${LIVE_COLUMNS}
       FROM unnest($2::integer[], $3::bigint[], $4::integer[], $5::text[]) AS q(num, now, lim, k)
       CROSS JOIN LATERAL (
         SELECT i.msg_id FROM inbox i
         WHERE i.app_key = $1 AND i.num = q.num AND i.expires_at > q.now ORDER BY i.msg_id LIMIT q.lim
       ) i
       LEFT JOIN pushes p ON p.msg_id = i.msg_id LEFT JOIN push_receipts r ON r.msg_id = i.msg_id
       ORDER BY q.k, i.msg_id`,
      [appKey, parts.map((p) => p[0]), parts.map((p) => p[1]), parts.map((p) => p[2]), keys],
    );
    const out = new Map<string, InboxPageEntry[]>();
    for (const row of rows) {
      let list = out.get(row.k as string);
      if (!list) out.set(row.k as string, (list = []));
      list.push({ msgId: String(row.i_id), row: row.msg_id == null ? undefined : toLivePushRow(row) });
    }
    return out;
  });
}

/**
 * `claimNonce` uses up an EMAS SignatureNonce (the EMAS store's insert-if-absent): a push that
 * carries one claims it before it joins a commit, and is not written when it was taken.
 */
export function postgresPushStore(db: Db, side: PushSideWrites, claimNonce: (c: NonceClaim) => Promise<boolean>): PostgresPushStore {
  const commits = new GroupCommit((items) => commitPushes(db, items, side));
  const firstPagesByApp = new Map<string, Coalescer<string, InboxPageEntry[]>>();
  return {
    async insert(push, targets, nonce) {
      if (nonce !== undefined && !(await claimNonce(nonce))) throw new NonceUsedError();
      return commits.add({ push, targets });
    },
    drain: () => commits.drain(),
    async get(msgId) {
      const { rows } = await db.query('SELECT msg_id, body, created_at, expires_at FROM pushes WHERE msg_id = $1', [msgIdParam(msgId)]);
      return rows[0] ? toPush(rows[0]) : undefined;
    },
    async head(msgId) {
      const { rows } = await db.query('SELECT msg_id, app_key, created_at, expires_at, revoked_at FROM pushes WHERE msg_id = $1', [msgIdParam(msgId)]);
      return rows[0] ? toHead(rows[0]) : undefined;
    },
    async live(now) {
      const { rows } = await db.query(
        `SELECT ${LIVE_COLUMNS} FROM pushes p LEFT JOIN push_receipts r ON r.msg_id = p.msg_id
         WHERE p.expires_at > $1 AND (NOT p.inbox OR p.revoked_at IS NOT NULL) ORDER BY p.msg_id`,
        [now],
      );
      return rows.map(toLivePushRow);
    },
    async liveOne(msgId) {
      const { rows } = await db.query(
        `SELECT ${LIVE_COLUMNS} FROM pushes p LEFT JOIN push_receipts r ON r.msg_id = p.msg_id WHERE p.msg_id = $1`,
        [msgIdParam(msgId)],
      );
      return rows[0] ? toLivePushRow(rows[0]) : undefined;
    },
    async inboxPage(appKey, deviceNum, now, after, limit) {
      // the first page is what every connecting device asks for: one query per event-loop turn
      if (after === null) {
        let firstPages = firstPagesByApp.get(appKey);
        if (!firstPages) firstPagesByApp.set(appKey, (firstPages = firstInboxPages(db, appKey)));
        return (await firstPages.get(`${deviceNum}:${now}:${limit}`)) ?? [];
      }
      const { rows } = await db.query(
        `SELECT i.msg_id AS i_id, ${LIVE_COLUMNS}
         FROM inbox i LEFT JOIN pushes p ON p.msg_id = i.msg_id LEFT JOIN push_receipts r ON r.msg_id = i.msg_id
         WHERE i.app_key = $1 AND i.num = $2 AND i.expires_at > $3 AND i.msg_id > $4 ORDER BY i.msg_id LIMIT $5`,
        [appKey, deviceNum, now, after === null ? '0' : msgIdParam(after), limit],
      );
      return rows.map((row) => ({ msgId: String(row.i_id), row: row.msg_id == null ? undefined : toLivePushRow(row) }));
    },
    async expiredInbox(now, limit) {
      const { rows } = await db.query(
        `SELECT i.app_key, i.num, i.msg_id, d.registration_id, d.platform,
                (p.revoked_at IS NOT NULL OR p.overridden_by IS NOT NULL) AS withdrawn
         FROM inbox i
         JOIN devices d ON d.app_key = i.app_key AND d.num = i.num
         JOIN pushes p ON p.msg_id = i.msg_id
         WHERE i.expires_at <= $1 LIMIT $2`,
        [now, limit],
      );
      return rows.map((row) => ({
        appKey: row.app_key as string,
        num: num(row.num),
        msgId: String(row.msg_id),
        registrationId: row.registration_id as string,
        platform: row.platform as DevicePlatform,
        withdrawn: row.withdrawn === true,
      }));
    },
    async markRevoked(msgId, at) {
      await db.query('UPDATE pushes SET revoked_at = $1 WHERE msg_id = $2 AND revoked_at IS NULL', [at, msgIdParam(msgId)]);
    },
    async saveReceipts(rows, callbacks, done = []) {
      if (rows.length === 0 && callbacks.length === 0 && done.length === 0) return;
      await retryOnConflict(() =>
        db.tx(async (tx) => {
          await mergeReceiptRows(tx, rows);
          await queueCallbacks(tx, callbacks);
          await dropInbox(tx, done);
        }),
      );
    },
    async receipts(msgId) {
      const { rows } = await db.query(
        `SELECT p.msg_id, p.app_key, p.created_at, p.expires_at, p.revoked_at, p.targets,
                r.msg_id AS r_id, r.sent, r.acked, r.clicked, r.withdrawn
         FROM pushes p LEFT JOIN push_receipts r ON r.msg_id = p.msg_id WHERE p.msg_id = $1`,
        [msgIdParam(msgId)],
      );
      const row = rows[0];
      if (!row) return undefined;
      return { head: toHead(row), targets: row.targets as Buffer, receipts: toReceipts(row) };
    },
    async countBroadcastsSince(appKey, since) {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM pushes WHERE app_key = $1 AND broadcast AND created_at >= $2', [appKey, since]);
      return num(rows[0]?.n);
    },
    async maxMsgId() {
      const { rows } = await db.query<{ m: string | null }>('SELECT max(msg_id) AS m FROM pushes');
      const m = rows[0]?.m;
      return m == null ? 0n : BigInt(m);
    },
  };
}
