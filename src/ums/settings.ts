import type { UmsChannelSettings, UmsQuietHours } from '../store/ums-types.js';
import { UMS_CODES, umsError } from './errors.js';

const MAX_WORDS = 1000;
const MAX_WORD_CHARS = 64;

/** Every string inside a message (keys are field names, not text: left out). */
function textsOf(v: unknown, out: string[]): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) textsOf(x, out);
  else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) textsOf(x, out);
  return out;
}

/** Minute of the day at `offset` minutes from UTC. */
function minuteOfDay(now: number, offset: number): number {
  const m = Math.floor((now + offset * 60_000) / 60_000) % 1440;
  return m < 0 ? m + 1440 : m;
}

export function inQuietHours(q: UmsQuietHours, now: number): boolean {
  const m = minuteOfDay(now, q.utcOffsetMinutes);
  return q.fromMinute <= q.toMinute ? m >= q.fromMinute && m < q.toMinute : m >= q.fromMinute || m < q.toMinute;
}

/**
 * Refuses a send the channel's settings forbid: inside its do-not-disturb window (1015038),
 * or with a sensitive word in any text of its messages (1015034, case-insensitive).
 */
export function checkSendSettings(s: UmsChannelSettings, content: Readonly<Record<string, unknown>>, now: number): void {
  if (s.quietHours && inQuietHours(s.quietHours, now)) throw umsError(UMS_CODES.quietHours, 'the channel is in its do-not-disturb hours');
  if (s.sensitiveWords.length === 0) return;
  const words = s.sensitiveWords.map((w) => w.toLowerCase());
  for (const text of textsOf(content, [])) {
    const lower = text.toLowerCase();
    const hit = words.find((w) => lower.includes(w));
    if (hit !== undefined) throw umsError(UMS_CODES.sensitiveWords, 'the message holds a sensitive word');
  }
}

/** `22:00-08:00` or `22:00-08:00+08:00` (offset from UTC; UTC when absent). */
export function parseQuietHours(text: string): UmsQuietHours {
  const m = /^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])(?:([+-])([01][0-9]|2[0-3]):([0-5][0-9]))?$/.exec(text);
  if (!m) throw new Error('quiet hours are HH:MM-HH:MM with an optional UTC offset (+08:00)');
  const fromMinute = Number(m[1]) * 60 + Number(m[2]);
  const toMinute = Number(m[3]) * 60 + Number(m[4]);
  if (fromMinute === toMinute) throw new Error('quiet hours must not start and end at the same minute');
  const offset = m[5] ? (m[5] === '-' ? -1 : 1) * (Number(m[6]) * 60 + Number(m[7])) : 0;
  return { fromMinute, toMinute, utcOffsetMinutes: offset };
}

export function parseSensitiveWords(list: readonly string[]): string[] {
  const words = [...new Set(list.map((w) => w.trim()).filter((w) => w !== ''))];
  if (words.length > MAX_WORDS) throw new Error(`at most ${MAX_WORDS} sensitive words`);
  for (const w of words) if ([...w].length > MAX_WORD_CHARS) throw new Error(`sensitive words are at most ${MAX_WORD_CHARS} characters`);
  return words;
}
