import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../../src/domain/errors.js';
import { formatLocalDateTime, nextOccurrence, parseLocalDateTime, parseTrigger } from '../../src/schedules/trigger.js';

const CN = 480; // UTC+8, JPush's zone
const at = (text: string) => parseLocalDateTime(text, CN)!;
const fmt = (ms: number | null) => (ms === null ? null : formatLocalDateTime(ms, CN));

function code(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
  return undefined;
}

describe('schedule triggers', () => {
  test('local times are read at the configured offset', () => {
    assert.equal(parseLocalDateTime('2026-01-01 08:00:00', CN), Date.UTC(2026, 0, 1, 0, 0, 0));
    assert.equal(parseLocalDateTime('2026-01-01 08:00:00', 0), Date.UTC(2026, 0, 1, 8, 0, 0));
    assert.equal(parseLocalDateTime('2026-02-30 08:00:00', CN), undefined);
    assert.equal(parseLocalDateTime('2026-01-01T08:00:00', CN), undefined);
    assert.equal(parseLocalDateTime('2026-01-01 24:00:00', CN), undefined);
    assert.equal(formatLocalDateTime(Date.UTC(2026, 0, 1, 0, 0, 0), CN), '2026-01-01 08:00:00');
  });

  test('single: one instant, none after it', () => {
    const { trigger } = parseTrigger({ single: { time: '2026-03-01 12:00:00' } }, CN);
    assert.equal(fmt(nextOccurrence(trigger, at('2026-02-01 00:00:00'), CN)), '2026-03-01 12:00:00');
    assert.equal(nextOccurrence(trigger, at('2026-03-01 12:00:01'), CN), null);
  });

  test('periodical day with a frequency', () => {
    const { trigger, wire } = parseTrigger(
      { periodical: { start: '2026-03-01 00:00:00', end: '2026-03-10 23:00:00', time: '18:05:00', time_unit: 'DAY', frequency: 3 } },
      CN,
    );
    assert.equal((wire.periodical as { time_unit: string }).time_unit, 'day');
    const seen: string[] = [];
    for (let t = nextOccurrence(trigger, 0, CN); t !== null; t = nextOccurrence(trigger, t + 1, CN)) seen.push(fmt(t)!);
    assert.deepEqual(seen, ['2026-03-01 18:05:00', '2026-03-04 18:05:00', '2026-03-07 18:05:00', '2026-03-10 18:05:00']);
  });

  test('periodical week on named days, every other week', () => {
    // 2026-03-04 is a Wednesday; its week starts Monday 2026-03-02
    const { trigger } = parseTrigger(
      { periodical: { start: '2026-03-04 10:00:00', end: '2026-03-31 00:00:00', time: '09:00:00', time_unit: 'week', frequency: 2, point: ['MON', 'fri'] } },
      CN,
    );
    const seen: string[] = [];
    for (let t = nextOccurrence(trigger, 0, CN); t !== null; t = nextOccurrence(trigger, t + 1, CN)) seen.push(fmt(t)!);
    assert.deepEqual(seen, ['2026-03-06 09:00:00', '2026-03-16 09:00:00', '2026-03-20 09:00:00', '2026-03-30 09:00:00']);
  });

  test('periodical month skips months without the day', () => {
    const { trigger } = parseTrigger(
      { periodical: { start: '2026-01-01 00:00:00', end: '2026-05-31 23:59:59', time: '07:30:00', time_unit: 'month', frequency: 1, point: ['31', '01'] } },
      CN,
    );
    const seen: string[] = [];
    for (let t = nextOccurrence(trigger, 0, CN); t !== null; t = nextOccurrence(trigger, t + 1, CN)) seen.push(fmt(t)!);
    assert.deepEqual(seen, [
      '2026-01-01 07:30:00', '2026-01-31 07:30:00', '2026-02-01 07:30:00', '2026-03-01 07:30:00', '2026-03-31 07:30:00',
      '2026-04-01 07:30:00', '2026-05-01 07:30:00', '2026-05-31 07:30:00',
    ]);
  });

  test('bad triggers answer 8100', () => {
    const bad = [
      null,
      {},
      { single: {} },
      { single: { time: '2026-13-01 00:00:00' } },
      { single: { time: '2026-01-01 00:00:00' }, periodical: {} },
      { periodical: { start: '2026-01-02 00:00:00', end: '2026-01-01 00:00:00', time: '00:00:00', time_unit: 'day' } },
      { periodical: { start: '2026-01-01 00:00:00', end: '2027-06-01 00:00:00', time: '00:00:00', time_unit: 'day' } },
      { periodical: { start: '2026-01-01 00:00:00', end: '2026-02-01 00:00:00', time: '25:00:00', time_unit: 'day' } },
      { periodical: { start: '2026-01-01 00:00:00', end: '2026-02-01 00:00:00', time: '01:00:00', time_unit: 'hour' } },
      { periodical: { start: '2026-01-01 00:00:00', end: '2026-02-01 00:00:00', time: '01:00:00', time_unit: 'week' } },
      { periodical: { start: '2026-01-01 00:00:00', end: '2026-02-01 00:00:00', time: '01:00:00', time_unit: 'week', point: ['XYZ'] } },
      { periodical: { start: '2026-01-01 00:00:00', end: '2026-02-01 00:00:00', time: '01:00:00', time_unit: 'month', point: ['32'] } },
      { periodical: { start: '2026-01-01 00:00:00', end: '2026-02-01 00:00:00', time: '01:00:00', time_unit: 'day', frequency: 101 } },
      { periodical: { start: '2026-01-01 00:00:00', end: '2026-02-01 00:00:00', time: '01:00:00', time_unit: 'day', extra: 1 } },
    ];
    for (const t of bad) assert.equal(code(() => parseTrigger(t, CN)), 8100, JSON.stringify(t));
  });
});
