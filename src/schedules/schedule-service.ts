import { randomUUID } from 'node:crypto';
import { parseJPushPush } from '../api/jpush/validate-push.js';
import { errors } from '../domain/errors.js';
import type { JsonObject, Push } from '../domain/push.js';
import { callbackUrlCheck } from '../receipts/callbacks.js';
import type { ScheduleRecord } from '../store/advanced-types.js';
import type { AppRecord, Store } from '../store/types.js';
import { scheduleErrors } from './errors.js';
import { MAX_SCHEDULE_SPAN_MS, nextOccurrence, parseTrigger, type Trigger } from './trigger.js';

export interface ScheduleSettings {
  /** Offset of the zone schedule times are written in, minutes east of UTC (JPush: +480). */
  utcOffsetMinutes: number;
  /** Schedules with a trigger left that one app may have (JPush: 100). */
  maxPerApp: number;
}

/** "name: at most 255 bytes; CJK, letters, digits and _" */
const NAME_PATTERN = /^[\p{Script=Han}A-Za-z0-9_]+$/u;
const MAX_NAME_BYTES = 255;
const CREATE_KEYS = new Set(['cid', 'name', 'enabled', 'trigger', 'push']);
const UPDATE_KEYS = new Set(['name', 'enabled', 'trigger', 'push']);

/** The Schedule API's object as JPush answers it. */
export interface WireSchedule {
  schedule_id: string;
  name: string;
  enabled: boolean;
  trigger: JsonObject;
  push: JsonObject;
}

export function toWireSchedule(r: ScheduleRecord): WireSchedule {
  return { schedule_id: r.scheduleId, name: r.name, enabled: r.enabled, trigger: r.trigger, push: r.push };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Creating and changing schedules: the body checks of the Schedule API (8100 for what is
 * wrong with the schedule, the Push API's own codes for what is wrong with its push), the
 * cid of type schedule, and the per-app limit.
 */
export class ScheduleService {
  constructor(
    private readonly store: Store,
    private readonly settings: ScheduleSettings,
  ) {}

  /** Parses a trigger and the time it first fires, refusing triggers with nothing ahead. */
  private firstInstant(raw: unknown, now: number): { trigger: Trigger; wire: JsonObject; nextAt: number } {
    const parsed = parseTrigger(raw, this.settings.utcOffsetMinutes);
    const t = parsed.trigger;
    if (t.kind === 'single') {
      if (t.at <= now) throw scheduleErrors.invalid('trigger.single.time has already passed');
      if (t.at - now > MAX_SCHEDULE_SPAN_MS) throw scheduleErrors.invalid('trigger.single.time may be one year ahead at most');
    }
    const nextAt = nextOccurrence(t, now, this.settings.utcOffsetMinutes);
    if (nextAt === null) throw scheduleErrors.invalid('trigger has expired: no trigger time is left before its end');
    return { ...parsed, nextAt };
  }

  /** Validates a push as /v3/push does; returns the object to store (any cid dropped). */
  private async checkPush(app: AppRecord, raw: unknown): Promise<JsonObject> {
    if (!isObject(raw)) throw errors.missing('push must be a push object');
    const { cid: _ignored, ...push } = raw;
    const parsed: Push = parseJPushPush(push, app.appKey);
    // the stateful checks a push can fail today whatever happens until it fires
    const url = parsed.callback?.url;
    if (url !== undefined && !(await callbackUrlCheck(this.store)(app.appKey, url))) {
      throw errors.callbackUrl('callback.url is not a callback URL registered for this app');
    }
    const fileId = parsed.audience.fileId;
    if (fileId !== undefined && !(await this.store.files.get(app.appKey, fileId, Date.now()))) {
      throw scheduleErrors.invalid('audience.file.file_id does not exist or has expired');
    }
    return push as JsonObject;
  }

  private checkName(raw: unknown): string {
    if (typeof raw !== 'string' || raw === '') throw scheduleErrors.invalid('name is required');
    if (Buffer.byteLength(raw) > MAX_NAME_BYTES || !NAME_PATTERN.test(raw)) {
      throw scheduleErrors.invalid('name must be at most 255 bytes of letters, digits, _ or CJK characters');
    }
    return raw;
  }

  async create(app: AppRecord, body: unknown): Promise<{ schedule_id: string; name: string }> {
    if (!isObject(body)) throw scheduleErrors.invalid('request data is not a JSON object');
    for (const k of Object.keys(body)) if (!CREATE_KEYS.has(k)) throw scheduleErrors.invalid(`${k} is not a schedule field`);
    const name = this.checkName(body.name);
    if (body.enabled !== true) throw scheduleErrors.invalid('enabled must be true when a schedule is created');
    const now = Date.now();
    const { wire: trigger, trigger: parsed, nextAt } = this.firstInstant(body.trigger, now);
    const push = await this.checkPush(app, body.push);

    const cid = body.cid;
    if (cid !== undefined) {
      const earlier = await this.checkCid(app, cid);
      if (earlier) return { schedule_id: earlier.scheduleId, name: earlier.name };
    }
    if ((await this.store.schedules.countActive(app.appKey)) >= this.settings.maxPerApp) {
      throw scheduleErrors.invalid(`an app may have ${this.settings.maxPerApp} active schedules at most`);
    }
    const record: ScheduleRecord = {
      scheduleId: randomUUID(),
      appKey: app.appKey,
      name,
      enabled: true,
      kind: parsed.kind,
      trigger,
      push,
      cid: typeof cid === 'string' ? cid : null,
      createdAt: now,
      updatedAt: now,
      nextAt,
    };
    try {
      await this.store.schedules.insert(record);
    } catch (err) {
      // the same cid in two requests at once: the second answers with the first's schedule
      const first = typeof cid === 'string' ? await this.store.schedules.byCid(app.appKey, cid) : undefined;
      if (first) return { schedule_id: first.scheduleId, name: first.name };
      throw err;
    }
    return { schedule_id: record.scheduleId, name };
  }

  /** A schedule cid must come from the app's pool of type schedule; a used one replays its schedule. */
  private async checkCid(app: AppRecord, cid: unknown): Promise<ScheduleRecord | undefined> {
    if (typeof cid !== 'string' || !cid.startsWith(`${app.appKey}-`)) throw scheduleErrors.invalid('cid was not issued to this app');
    const issued = await this.store.cids.get(cid);
    if (!issued || issued.appKey !== app.appKey) throw scheduleErrors.invalid('cid was not issued to this app');
    if (issued.type !== 'schedule') throw scheduleErrors.invalid(`cid was issued for type ${issued.type}`);
    return this.store.schedules.byCid(app.appKey, cid);
  }

  async get(app: AppRecord, scheduleId: string): Promise<ScheduleRecord> {
    const record = await this.store.schedules.get(app.appKey, scheduleId);
    if (!record) throw scheduleErrors.notFound();
    return record;
  }

  async update(app: AppRecord, scheduleId: string, body: unknown): Promise<ScheduleRecord> {
    if (!isObject(body)) throw scheduleErrors.invalid('request data is not a JSON object');
    const keys = Object.keys(body);
    if (keys.length === 0) throw scheduleErrors.invalid('nothing to update: give name, enabled, trigger or push');
    for (const k of keys) if (!UPDATE_KEYS.has(k)) throw scheduleErrors.invalid(`${k} cannot be updated`);
    const record = await this.get(app, scheduleId);
    if (record.nextAt === null) throw scheduleErrors.invalid('schedule has expired and cannot be updated');
    const now = Date.now();
    const next: ScheduleRecord = { ...record, updatedAt: now };
    if (body.name !== undefined) next.name = this.checkName(body.name);
    if (body.enabled !== undefined) {
      if (typeof body.enabled !== 'boolean') throw scheduleErrors.invalid('enabled must be true or false');
      next.enabled = body.enabled;
    }
    if (body.trigger !== undefined) {
      const { wire, trigger, nextAt } = this.firstInstant(body.trigger, now);
      if (trigger.kind !== record.kind) throw scheduleErrors.invalid(`a ${record.kind} schedule cannot become ${trigger.kind}`);
      next.trigger = wire;
      next.nextAt = nextAt;
    } else if (next.enabled && !record.enabled) {
      // re-enabled: from now on, not the instants that passed while it was off
      const { nextAt } = this.firstInstant(record.trigger, now);
      next.nextAt = nextAt;
    }
    if (body.push !== undefined) next.push = await this.checkPush(app, body.push);
    if (!(await this.store.schedules.update(next))) throw scheduleErrors.notFound();
    return next;
  }

  async delete(app: AppRecord, scheduleId: string): Promise<void> {
    if (!(await this.store.schedules.delete(app.appKey, scheduleId, Date.now()))) throw scheduleErrors.notFound();
  }

  /** `GET /v3/schedules/{id}/msg_ids`: one JSON string per firing, as JPush encodes them. */
  async msgIds(app: AppRecord, scheduleId: string): Promise<{ count: number; msgids: string[] }> {
    await this.get(app, scheduleId);
    const runs = (await this.store.schedules.runs(scheduleId)).filter((r) => r.doneAt !== null);
    const msgids = runs.map((r) =>
      JSON.stringify({
        msg_id: r.msgId ?? '',
        error: { code: r.errorCode ?? 0, message: r.errorMessage ?? '' },
        needRetry: false,
        ts: r.doneAt,
      }),
    );
    return { count: msgids.length, msgids };
  }
}
