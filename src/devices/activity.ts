import type { Logger } from 'pino';
import { RoaringBitmap32, type Bitmap } from '../audience/audience-index.js';
import type { ActivityRow, ActivityStore, ActivityUnit } from '../store/activity-types.js';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
export const ACTIVITY_UNITS: readonly ActivityUnit[] = ['hour', 'day', 'month'];
/** How long each unit's periods are kept (the users report reaches back no further). */
const KEEP_MS: Record<ActivityUnit, number> = { hour: 3 * DAY_MS, day: 400 * DAY_MS, month: 800 * DAY_MS };

/** Start of the UTC hour, day or month holding `ms`. */
export function periodStart(unit: ActivityUnit, ms: number): number {
  if (unit === 'hour') return ms - (ms % HOUR_MS);
  if (unit === 'day') return ms - (ms % DAY_MS);
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Start of the period after the one starting at `start`. */
export function nextPeriod(unit: ActivityUnit, start: number): number {
  if (unit === 'hour') return start + HOUR_MS;
  if (unit === 'day') return start + DAY_MS;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

function bytes(b: Bitmap): Buffer {
  const u = b.serialize('portable');
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

function orBitmaps(a: Buffer, b: Buffer): Buffer {
  return bytes(RoaringBitmap32.or(RoaringBitmap32.deserialize(a, 'portable'), RoaringBitmap32.deserialize(b, 'portable')));
}

/**
 * Records which devices were connected in each UTC hour, day and month, as bitmaps of device
 * numbers per app, for the users report. Connections and disconnections collect in memory
 * and are OR-ed into the stored sets every few seconds, so a crash loses at most that much.
 */
export class ActivityRecorder {
  private pending = new Map<string, { appKey: string; unit: ActivityUnit; period: number; nums: Bitmap }>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private lastPrune = 0;

  constructor(
    private readonly store: ActivityStore,
    private readonly logger: Logger,
    private readonly flushMs = 5000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  /** A device of `appKey` connected or disconnected at `at`. */
  seen(appKey: string, num: number, at = Date.now()): void {
    for (const unit of ACTIVITY_UNITS) {
      const period = periodStart(unit, at);
      const key = `${appKey}\u0000${unit}\u0000${period}`;
      let entry = this.pending.get(key);
      if (!entry) this.pending.set(key, (entry = { appKey, unit, period, nums: new RoaringBitmap32() }));
      entry.nums.add(num);
    }
  }

  /** Writes what was seen since the last flush; flushes never overlap. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const pending = this.pending;
      this.pending = new Map();
      const rows: ActivityRow[] = [...pending.values()].map((e) => ({ appKey: e.appKey, unit: e.unit, period: e.period, devices: bytes(e.nums) }));
      try {
        await this.store.merge(rows, orBitmaps);
        const now = Date.now();
        if (now - this.lastPrune > HOUR_MS) {
          this.lastPrune = now;
          for (const unit of ACTIVITY_UNITS) await this.store.prune(unit, now - KEEP_MS[unit]);
        }
      } catch (err) {
        this.logger.error({ err }, 'saving device activity failed; will retry');
        for (const [key, e] of pending) {
          const again = this.pending.get(key);
          if (again) again.nums.orInPlace(e.nums);
          else this.pending.set(key, e);
        }
      }
    });
    return this.flushing;
  }
}
