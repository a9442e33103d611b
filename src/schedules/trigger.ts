/**
 * Schedule triggers: parsing the JPush `trigger` object and computing trigger instants.
 *
 * JPush writes every schedule time as a wall-clock time without a zone ("YYYY-MM-DD HH:MM:SS",
 * "HH:MM:SS"), meant in the service's own zone (UTC+8). Borealis reads them at a fixed UTC
 * offset (`schedules.utcOffsetMinutes`, default +480), so instants never move with daylight
 * saving. Internally everything is epoch milliseconds; "local" numbers below are epoch
 * milliseconds shifted by the offset, so the UTC calendar functions give local fields.
 */
import type { JsonObject } from '../domain/push.js';
import { scheduleErrors } from './errors.js';

const DAY_MS = 86_400_000;
/** "single ≤ 1 year ahead; periodical span ≤ 1 year" */
export const MAX_SCHEDULE_SPAN_MS = 366 * DAY_MS;
export const WEEK_DAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;

export type TimeUnit = 'day' | 'week' | 'month';

export type Trigger =
  | { kind: 'single'; at: number }
  | {
      kind: 'periodical';
      start: number;
      end: number;
      /** Seconds after local midnight. */
      timeOfDay: number;
      unit: TimeUnit;
      frequency: number;
      /** week: 0 (Monday) .. 6; month: day numbers 1..31; day: empty. Sorted, distinct. */
      points: number[];
    };

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})$/;

/** "YYYY-MM-DD HH:MM:SS" in the schedule zone -> epoch ms; undefined when not a real date-time. */
export function parseLocalDateTime(text: unknown, offsetMinutes: number): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const local = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(local);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return local - offsetMinutes * 60_000;
}

/** Epoch ms -> "YYYY-MM-DD HH:MM:SS" in the schedule zone. */
export function formatLocalDateTime(ms: number, offsetMinutes: number): string {
  return new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19).replace('T', ' ');
}

function parseTimeOfDay(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = TIME.exec(text);
  if (!m) return undefined;
  const [h, mi, s] = m.slice(1).map(Number) as [number, number, number];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return h * 3600 + mi * 60 + s;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates a `trigger` object; returns the parsed trigger and the object to store and echo.
 * @throws ApiError 8100 naming the problem.
 */
export function parseTrigger(raw: unknown, offsetMinutes: number): { trigger: Trigger; wire: JsonObject } {
  const bad = scheduleErrors.invalid;
  if (!isObject(raw)) throw bad('trigger must be an object');
  const keys = Object.keys(raw);
  if (keys.length !== 1 || (keys[0] !== 'single' && keys[0] !== 'periodical')) {
    throw bad('trigger must have exactly one of single or periodical');
  }
  if (raw.single !== undefined) {
    const single = raw.single;
    if (!isObject(single)) throw bad('trigger.single must be an object');
    for (const k of Object.keys(single)) if (k !== 'time') throw bad(`trigger.single.${k} is not supported`);
    const at = parseLocalDateTime(single.time, offsetMinutes);
    if (at === undefined) throw bad('trigger.single.time must be "YYYY-MM-DD HH:MM:SS"');
    return { trigger: { kind: 'single', at }, wire: { single: { time: single.time as string } } };
  }
  const p = raw.periodical;
  if (!isObject(p)) throw bad('trigger.periodical must be an object');
  for (const k of Object.keys(p)) {
    if (!['start', 'end', 'time', 'time_unit', 'frequency', 'point'].includes(k)) throw bad(`trigger.periodical.${k} is not supported`);
  }
  const start = parseLocalDateTime(p.start, offsetMinutes);
  if (start === undefined) throw bad('trigger.periodical.start must be "YYYY-MM-DD HH:MM:SS"');
  const end = parseLocalDateTime(p.end, offsetMinutes);
  if (end === undefined) throw bad('trigger.periodical.end must be "YYYY-MM-DD HH:MM:SS"');
  if (end <= start) throw bad('trigger.periodical.end must be after start');
  if (end - start > MAX_SCHEDULE_SPAN_MS) throw bad('trigger.periodical may span one year at most');
  const timeOfDay = parseTimeOfDay(p.time);
  if (timeOfDay === undefined) throw bad('trigger.periodical.time must be "HH:MM:SS"');
  const unit = typeof p.time_unit === 'string' ? p.time_unit.toLowerCase() : undefined;
  if (unit !== 'day' && unit !== 'week' && unit !== 'month') throw bad('trigger.periodical.time_unit must be day, week or month');
  const frequency = p.frequency ?? 1;
  if (typeof frequency !== 'number' || !Number.isInteger(frequency) || frequency < 1 || frequency > 100) {
    throw bad('trigger.periodical.frequency must be an integer 1..100');
  }
  const points = parsePoints(unit, p.point);
  const wire: JsonObject = { start: p.start as string, end: p.end as string, time: p.time as string, time_unit: unit, frequency };
  if (unit !== 'day') wire.point = p.point as string[];
  return { trigger: { kind: 'periodical', start, end, timeOfDay, unit, frequency, points }, wire: { periodical: wire } };
}

function parsePoints(unit: TimeUnit, raw: unknown): number[] {
  const bad = scheduleErrors.invalid;
  if (unit === 'day') {
    if (raw !== undefined && raw !== null && !(Array.isArray(raw) && raw.length === 0)) {
      throw bad('trigger.periodical.point is not used with time_unit day');
    }
    return [];
  }
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 31) throw bad('trigger.periodical.point must be a non-empty array');
  const out = new Set<number>();
  for (const v of raw) {
    if (typeof v !== 'string') throw bad('trigger.periodical.point must hold strings');
    if (unit === 'week') {
      const i = WEEK_DAYS.indexOf(v.toUpperCase() as (typeof WEEK_DAYS)[number]);
      if (i < 0) throw bad('trigger.periodical.point must name week days MON..SUN');
      out.add(i);
    } else {
      if (!/^[0-9]{1,2}$/.test(v) || Number(v) < 1 || Number(v) > 31) throw bad('trigger.periodical.point must name month days "01".."31"');
      out.add(Number(v));
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** The first trigger instant at or after `from`, or null when the trigger has none left. */
export function nextOccurrence(t: Trigger, from: number, offsetMinutes: number): number | null {
  if (t.kind === 'single') return t.at >= from ? t.at : null;
  const off = offsetMinutes * 60_000;
  const lower = Math.max(from, t.start);
  if (lower > t.end) return null;
  const startDay = Math.floor((t.start + off) / DAY_MS); // local day number of the start
  const instant = (day: number) => day * DAY_MS + t.timeOfDay * 1000 - off;

  if (t.unit === 'day') {
    const step = t.frequency * DAY_MS;
    const k = Math.max(0, Math.ceil((lower - instant(startDay)) / step));
    const at = instant(startDay) + k * step;
    return at <= t.end ? at : null;
  }
  if (t.unit === 'week') {
    // weeks counted from the Monday of the start's week (day 0 of the epoch was a Thursday)
    const monday = startDay - ((startDay + 3) % 7);
    const lowerDay = Math.floor((lower + off) / DAY_MS);
    let k = Math.max(0, Math.floor((lowerDay - monday) / (7 * t.frequency)));
    for (;; k++) {
      const weekStart = monday + k * 7 * t.frequency;
      if (instant(weekStart) > t.end) return null;
      for (const p of t.points) {
        const at = instant(weekStart + p);
        if (at > t.end) return null;
        if (at >= lower) return at;
      }
    }
  }
  const startDate = new Date(t.start + off);
  const firstMonth = startDate.getUTCFullYear() * 12 + startDate.getUTCMonth();
  const lowerDate = new Date(lower + off);
  const lowerMonth = lowerDate.getUTCFullYear() * 12 + lowerDate.getUTCMonth();
  let k = Math.max(0, Math.floor((lowerMonth - firstMonth) / t.frequency));
  for (;; k++) {
    const month = firstMonth + k * t.frequency;
    const y = Math.floor(month / 12);
    const mo = month % 12;
    if (Date.UTC(y, mo, 1) - off > t.end) return null;
    const daysInMonth = new Date(Date.UTC(y, mo + 1, 0)).getUTCDate();
    for (const d of t.points) {
      if (d > daysInMonth) continue; // "31" skips the months without a 31st
      const at = Date.UTC(y, mo, d) + t.timeOfDay * 1000 - off;
      if (at > t.end) return null;
      if (at >= lower) return at;
    }
  }
}
