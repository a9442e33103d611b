import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideFiring } from '../../src/schedules/scheduler.js';
import { formatLocalDateTime, parseLocalDateTime } from '../../src/schedules/trigger.js';
import type { ScheduleRecord } from '../../src/store/advanced-types.js';

const CN = 480;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (text: string) => parseLocalDateTime(text, CN)!;
const options = { utcOffsetMinutes: CN, catchUpMs: HOUR };

function record(trigger: ScheduleRecord['trigger'], nextAt: number, enabled = true): ScheduleRecord {
  return { scheduleId: 's', appKey: 'a', name: 'n', enabled, kind: 'single' in trigger ? 'single' : 'periodical', trigger, push: {}, cid: null, createdAt: 0, updatedAt: 0, nextAt };
}

const daily = { periodical: { start: '2026-03-01 00:00:00', end: '2026-03-31 00:00:00', time: '09:00:00', time_unit: 'day', frequency: 1 } };

describe('deciding a due schedule', () => {
  test('on time: fires, then moves to the next instant (none for a single)', () => {
    const t = at('2026-03-02 09:00:00');
    assert.deepEqual(decideFiring(record(daily, t), t + 300, options), { fire: true, nextAt: at('2026-03-03 09:00:00') });
    assert.deepEqual(decideFiring(record({ single: { time: '2026-03-02 09:00:00' } }, t), t + 300, options), { fire: true, nextAt: null });
  });

  test('down across several instants: they fire once, and the schedule resumes after now', () => {
    const now = at('2026-03-05 09:30:00');
    const d = decideFiring(record(daily, at('2026-03-02 09:00:00')), now, options);
    assert.equal(d.fire, true);
    assert.equal(formatLocalDateTime(d.fireAt!, CN), '2026-03-05 09:00:00', 'the instant inside the window fires');
    assert.equal(formatLocalDateTime(d.nextAt!, CN), '2026-03-06 09:00:00');
  });

  test('missed by more than the window: skipped', () => {
    const now = at('2026-03-05 11:00:00');
    assert.deepEqual(decideFiring(record(daily, at('2026-03-05 09:00:00')), now, options), { fire: false, nextAt: at('2026-03-06 09:00:00') });
    const single = record({ single: { time: '2026-03-05 09:00:00' } }, at('2026-03-05 09:00:00'));
    assert.deepEqual(decideFiring(single, now + DAY, options), { fire: false, nextAt: null });
  });

  test('disabled: never fires, its instants pass', () => {
    const t = at('2026-03-02 09:00:00');
    assert.deepEqual(decideFiring(record(daily, t, false), t + 10, options), { fire: false, nextAt: at('2026-03-03 09:00:00') });
  });
});
