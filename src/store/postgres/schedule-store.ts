import type { JsonObject } from '../../domain/push.js';
import type { RunResult, ScheduleRecord, ScheduleRun, ScheduleStore } from '../advanced-types.js';
import { numOrNull, type Row, type Db } from './db.js';
import { countOf } from './query-helpers.js';

function toSchedule(row: Row): ScheduleRecord {
  return {
    scheduleId: row.schedule_id as string,
    appKey: row.app_key as string,
    name: row.name as string,
    enabled: row.enabled === true,
    kind: row.kind as ScheduleRecord['kind'],
    trigger: JSON.parse(row.trigger as string) as JsonObject,
    push: JSON.parse(row.push as string) as JsonObject,
    cid: (row.cid as string | null) ?? null,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    nextAt: numOrNull(row.next_at),
  };
}

function toRun(row: Row): ScheduleRun {
  return {
    scheduleId: row.schedule_id as string,
    fireAt: Number(row.fire_at),
    claimedAt: Number(row.claimed_at),
    msgId: row.msg_id == null ? null : String(row.msg_id),
    errorCode: numOrNull(row.error_code),
    errorMessage: (row.error_message as string | null) ?? null,
    doneAt: numOrNull(row.done_at),
  };
}

/**
 * Schedules and their runs over PostgreSQL. Claiming locks due schedules with FOR UPDATE SKIP
 * LOCKED (nodes claiming at once take different ones), moves each on and records its run in
 * the same transaction; the run's key (schedule, instant) is the last word: an instant is
 * claimed once, even if two claims raced past the lock.
 */
export function postgresScheduleStore(db: Db): ScheduleStore {
  const countActive = async (appKey: string) =>
    countOf(db, 'SELECT count(*) AS n FROM schedules WHERE app_key = $1 AND deleted_at IS NULL AND next_at IS NOT NULL', [appKey]);
  return {
    async insert(r) {
      await db.query(
        `INSERT INTO schedules (schedule_id, app_key, name, enabled, kind, trigger, push, cid, created_at, updated_at, next_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [r.scheduleId, r.appKey, r.name, r.enabled, r.kind, JSON.stringify(r.trigger), JSON.stringify(r.push), r.cid, r.createdAt, r.updatedAt, r.nextAt],
      );
    },
    async get(appKey, scheduleId) {
      const { rows } = await db.query('SELECT * FROM schedules WHERE schedule_id = $1 AND app_key = $2 AND deleted_at IS NULL', [scheduleId, appKey]);
      return rows[0] ? toSchedule(rows[0] as Row) : undefined;
    },
    async byCid(appKey, cid) {
      const { rows } = await db.query('SELECT * FROM schedules WHERE cid = $1 AND app_key = $2', [cid, appKey]);
      return rows[0] ? toSchedule(rows[0] as Row) : undefined;
    },
    async list(appKey, offset, limit) {
      const total = await countActive(appKey);
      const { rows } = await db.query(
        `SELECT * FROM schedules WHERE app_key = $1 AND deleted_at IS NULL AND next_at IS NOT NULL
         ORDER BY created_at, schedule_id LIMIT $2 OFFSET $3`,
        [appKey, limit, offset],
      );
      return { total, schedules: (rows as Row[]).map(toSchedule) };
    },
    countActive,
    async update(r) {
      const res = await db.query(
        `UPDATE schedules SET name = $1, enabled = $2, trigger = $3, push = $4, updated_at = $5, next_at = $6
         WHERE schedule_id = $7 AND app_key = $8 AND deleted_at IS NULL`,
        [r.name, r.enabled, JSON.stringify(r.trigger), JSON.stringify(r.push), r.updatedAt, r.nextAt, r.scheduleId, r.appKey],
      );
      return res.rowCount === 1;
    },
    async delete(appKey, scheduleId, at) {
      const res = await db.query(
        'UPDATE schedules SET deleted_at = $1, next_at = NULL WHERE schedule_id = $2 AND app_key = $3 AND deleted_at IS NULL',
        [at, scheduleId, appKey],
      );
      return res.rowCount === 1;
    },
    async claimDue(now, limit, decide, node) {
      return db.tx(async (c) => {
        const { rows } = await c.query(
          `SELECT * FROM schedules WHERE deleted_at IS NULL AND next_at IS NOT NULL AND next_at <= $1
           ORDER BY next_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [now, limit],
        );
        const claimed: { record: ScheduleRecord; fireAt: number }[] = [];
        for (const row of rows as Row[]) {
          const record = toSchedule(row);
          const decision = decide(record, now);
          const fireAt = decision.fireAt ?? record.nextAt!;
          await c.query('UPDATE schedules SET next_at = $1 WHERE schedule_id = $2', [decision.nextAt, record.scheduleId]);
          if (!decision.fire) continue;
          const run = await c.query(
            `INSERT INTO schedule_runs (schedule_id, fire_at, claimed_at, claimed_by) VALUES ($1, $2, $3, $4)
             ON CONFLICT (schedule_id, fire_at) DO NOTHING`,
            [record.scheduleId, fireAt, now, node ?? null],
          );
          if (run.rowCount === 1) claimed.push({ record: { ...record, nextAt: decision.nextAt }, fireAt });
        }
        return claimed;
      });
    },
    async finishRuns(results: readonly RunResult[], at) {
      if (results.length === 0) return;
      await db.tx(async (c) => {
        for (const r of results) {
          await c.query(
            `UPDATE schedule_runs SET msg_id = $1, error_code = $2, error_message = $3, done_at = $4
             WHERE schedule_id = $5 AND fire_at = $6`,
            [r.msgId ?? null, r.errorCode ?? null, r.errorMessage ?? null, at, r.scheduleId, r.fireAt],
          );
        }
      });
    },
    async failUnfinished(errorCode, errorMessage, at, scope) {
      const res = scope
        ? await db.query(
            `UPDATE schedule_runs SET error_code = $1, error_message = $2, done_at = $3
             WHERE done_at IS NULL AND (claimed_by IS NULL OR claimed_by = $4 OR claimed_at < $5)`,
            [errorCode, errorMessage, at, scope.node, scope.staleBefore],
          )
        : await db.query('UPDATE schedule_runs SET error_code = $1, error_message = $2, done_at = $3 WHERE done_at IS NULL', [errorCode, errorMessage, at]);
      return res.rowCount ?? 0;
    },
    async runs(scheduleId) {
      const { rows } = await db.query('SELECT * FROM schedule_runs WHERE schedule_id = $1 ORDER BY fire_at', [scheduleId]);
      return (rows as Row[]).map(toRun);
    },
  };
}
