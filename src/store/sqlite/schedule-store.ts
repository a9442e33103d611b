import type Database from 'better-sqlite3';
import type { JsonObject } from '../../domain/push.js';
import type { RunResult, ScheduleRecord, ScheduleRun, ScheduleStore } from '../advanced-types.js';

type Row = Record<string, unknown>;

function toSchedule(row: Row): ScheduleRecord {
  return {
    scheduleId: row.schedule_id as string,
    appKey: row.app_key as string,
    name: row.name as string,
    enabled: Number(row.enabled) === 1,
    kind: row.kind as ScheduleRecord['kind'],
    trigger: JSON.parse(row.trigger as string) as JsonObject,
    push: JSON.parse(row.push as string) as JsonObject,
    cid: (row.cid as string | null) ?? null,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    nextAt: row.next_at == null ? null : Number(row.next_at),
  };
}

function toRun(row: Row): ScheduleRun {
  return {
    scheduleId: row.schedule_id as string,
    fireAt: Number(row.fire_at),
    claimedAt: Number(row.claimed_at),
    msgId: row.msg_id == null ? null : String(row.msg_id),
    errorCode: row.error_code == null ? null : Number(row.error_code),
    errorMessage: (row.error_message as string | null) ?? null,
    doneAt: row.done_at == null ? null : Number(row.done_at),
  };
}

/** Schedules and their runs. Claiming due schedules is one immediate (write-locked) transaction. */
export function sqliteScheduleStore(db: Database.Database): ScheduleStore {
  const s = {
    insert: db.prepare(
      `INSERT INTO schedules (schedule_id, app_key, name, enabled, kind, trigger, push, cid, created_at, updated_at, next_at)
       VALUES (@scheduleId, @appKey, @name, @enabled, @kind, @trigger, @push, @cid, @createdAt, @updatedAt, @nextAt)`,
    ),
    get: db.prepare('SELECT * FROM schedules WHERE schedule_id = ? AND app_key = ? AND deleted_at IS NULL'),
    byCid: db.prepare('SELECT * FROM schedules WHERE cid = ? AND app_key = ?'),
    count: db
      .prepare('SELECT count(*) FROM schedules WHERE app_key = ? AND deleted_at IS NULL AND next_at IS NOT NULL')
      .pluck(),
    page: db.prepare(
      `SELECT * FROM schedules WHERE app_key = ? AND deleted_at IS NULL AND next_at IS NOT NULL
       ORDER BY created_at, schedule_id LIMIT ? OFFSET ?`,
    ),
    update: db.prepare(
      `UPDATE schedules SET name = @name, enabled = @enabled, trigger = @trigger, push = @push,
         updated_at = @updatedAt, next_at = @nextAt
       WHERE schedule_id = @scheduleId AND app_key = @appKey AND deleted_at IS NULL`,
    ),
    delete: db.prepare(
      'UPDATE schedules SET deleted_at = ?, next_at = NULL WHERE schedule_id = ? AND app_key = ? AND deleted_at IS NULL',
    ),
    due: db.prepare(
      `SELECT * FROM schedules WHERE deleted_at IS NULL AND next_at IS NOT NULL AND next_at <= ?
       ORDER BY next_at LIMIT ?`,
    ),
    advance: db.prepare('UPDATE schedules SET next_at = ? WHERE schedule_id = ?'),
    claim: db.prepare('INSERT OR IGNORE INTO schedule_runs (schedule_id, fire_at, claimed_at, claimed_by) VALUES (?, ?, ?, ?)'),
    finish: db.prepare(
      `UPDATE schedule_runs SET msg_id = ?, error_code = ?, error_message = ?, done_at = ?
       WHERE schedule_id = ? AND fire_at = ?`,
    ),
    failUnfinished: db.prepare(
      'UPDATE schedule_runs SET error_code = ?, error_message = ?, done_at = ? WHERE done_at IS NULL',
    ),
    failUnfinishedOf: db.prepare(
      `UPDATE schedule_runs SET error_code = ?, error_message = ?, done_at = ?
       WHERE done_at IS NULL AND (claimed_by IS NULL OR claimed_by = ? OR claimed_at < ?)`,
    ),
    runs: db.prepare('SELECT * FROM schedule_runs WHERE schedule_id = ? ORDER BY fire_at').safeIntegers(false),
  };

  const toRow = (r: ScheduleRecord) => ({
    ...r,
    enabled: r.enabled ? 1 : 0,
    trigger: JSON.stringify(r.trigger),
    push: JSON.stringify(r.push),
  });

  const claimDue = db.transaction(
    (now: number, limit: number, decide: Parameters<ScheduleStore['claimDue']>[2], node: string | null) => {
      const claimed: { record: ScheduleRecord; fireAt: number }[] = [];
      for (const row of s.due.all(now, limit) as Row[]) {
        const record = toSchedule(row);
        const decision = decide(record, now);
        const fireAt = decision.fireAt ?? record.nextAt!;
        s.advance.run(decision.nextAt, record.scheduleId);
        // the run's primary key: an instant already claimed (by another node) is not claimed again
        if (decision.fire && s.claim.run(record.scheduleId, fireAt, now, node).changes === 1) {
          claimed.push({ record: { ...record, nextAt: decision.nextAt }, fireAt });
        }
      }
      return claimed;
    },
  );

  const finishRuns = db.transaction((results: readonly RunResult[], at: number) => {
    for (const r of results) {
      const msgId = r.msgId === undefined ? null : BigInt(r.msgId);
      s.finish.run(msgId, r.errorCode ?? null, r.errorMessage ?? null, at, r.scheduleId, r.fireAt);
    }
  });

  return {
    async insert(record) {
      s.insert.run(toRow(record));
    },
    async get(appKey, scheduleId) {
      const row = s.get.get(scheduleId, appKey) as Row | undefined;
      return row ? toSchedule(row) : undefined;
    },
    async byCid(appKey, cid) {
      const row = s.byCid.get(cid, appKey) as Row | undefined;
      return row ? toSchedule(row) : undefined;
    },
    async list(appKey, offset, limit) {
      const total = Number(s.count.get(appKey));
      const schedules = (s.page.all(appKey, limit, offset) as Row[]).map(toSchedule);
      return { total, schedules };
    },
    async countActive(appKey) {
      return Number(s.count.get(appKey));
    },
    async update(record) {
      const row = toRow(record);
      return (
        s.update.run({
          name: row.name,
          enabled: row.enabled,
          trigger: row.trigger,
          push: row.push,
          updatedAt: row.updatedAt,
          nextAt: row.nextAt,
          scheduleId: row.scheduleId,
          appKey: row.appKey,
        }).changes === 1
      );
    },
    async delete(appKey, scheduleId, at) {
      return s.delete.run(at, scheduleId, appKey).changes === 1;
    },
    async claimDue(now, limit, decide, node) {
      return claimDue.immediate(now, limit, decide, node ?? null);
    },
    async finishRuns(results, at) {
      finishRuns.immediate(results, at);
    },
    async failUnfinished(errorCode, errorMessage, at, scope) {
      if (scope) return s.failUnfinishedOf.run(errorCode, errorMessage, at, scope.node, scope.staleBefore).changes;
      return s.failUnfinished.run(errorCode, errorMessage, at).changes;
    },
    async runs(scheduleId) {
      return (s.runs.all(scheduleId) as Row[]).map(toRun);
    },
  };
}
