import type { Logger } from 'pino';
import type { QuotaReading } from '../channels/types.js';
import type { VendorStore } from '../store/vendor-types.js';

/** Quota categories: JPush's `classification` 1 (system) and 0 (operation). */
export const QUOTA_CATEGORIES = ['system', 'operation'] as const;
export type QuotaCategoryName = (typeof QUOTA_CATEGORIES)[number];

export interface QuotaSettings {
  /** Minutes east of UTC of the vendors' day: their daily quotas restart at its midnight. */
  dayOffsetMinutes: number;
  /** Configured daily caps per vendor channel and category; 0 = none configured. */
  daily: Readonly<Record<string, Readonly<Record<QuotaCategoryName, number>>>>;
}

interface Entry {
  day: string;
  /** Sends counted (saved, or being sent right now). */
  used: number;
  /** The vendor's own cap for the day, when it told us. */
  learned?: number;
}

/** One row of an app's quota figures: cap (undefined: none known) and use. */
export interface QuotaFigure {
  channel: string;
  category: QuotaCategoryName;
  limit: number | undefined;
  used: number;
}

const isCategory = (c: string | undefined): c is QuotaCategoryName => c === 'system' || c === 'operation';

/**
 * Each app's daily use of each vendor's quota, per category, and the caps that apply: the
 * configured one and the one the vendor told us (its answers, its quota API), the lower wins.
 * Sends are reserved before a batch goes out (so concurrent slices cannot overshoot), and the
 * ones the vendor accepted are counted durably with the slice that sent them; the rest are
 * given back. Use is kept in memory for the current day, loaded from the store at start.
 */
export class QuotaLedger {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly store: VendorStore,
    private readonly settings: QuotaSettings,
    private readonly logger: Logger,
  ) {}

  /** The vendors' day of an instant, `YYYY-MM-DD`. */
  day(now = Date.now()): string {
    return new Date(now + this.settings.dayOffsetMinutes * 60_000).toISOString().slice(0, 10);
  }

  /** Loads today's use and drops rows older than a week. */
  async load(now = Date.now()): Promise<void> {
    const day = this.day(now);
    for (const r of await this.store.quotaUse(day)) {
      if (!isCategory(r.category)) continue;
      const e: Entry = { day, used: r.used };
      if (r.learnedLimit !== null) e.learned = r.learnedLimit;
      this.entries.set(key(r.appKey, r.channel, r.category), e);
    }
    await this.store.pruneQuota(this.day(now - 7 * 86_400_000));
  }

  private entry(appKey: string, channel: string, category: QuotaCategoryName, now: number): Entry {
    const k = key(appKey, channel, category);
    const day = this.day(now);
    let e = this.entries.get(k);
    if (!e || e.day !== day) {
      e = { day, used: 0 };
      this.entries.set(k, e);
      if (this.entries.size > 100_000) this.dropOldDays(day);
    }
    return e;
  }

  private dropOldDays(day: string): void {
    for (const [k, e] of this.entries) if (e.day !== day) this.entries.delete(k);
  }

  /** The cap in force: the lower of the configured and the learned one; undefined = none. */
  limit(appKey: string, channel: string, category: QuotaCategoryName, now = Date.now()): number | undefined {
    const configured = this.settings.daily[channel]?.[category] ?? 0;
    const learned = this.entry(appKey, channel, category, now).learned;
    if (configured > 0 && learned !== undefined) return Math.min(configured, learned);
    if (configured > 0) return configured;
    return learned;
  }

  /** Reserves up to n sends; returns how many fit under the cap (the rest fall back). */
  reserve(appKey: string, channel: string, category: QuotaCategoryName, n: number, now = Date.now()): { allowed: number; day: string } {
    const e = this.entry(appKey, channel, category, now);
    const cap = this.limit(appKey, channel, category, now);
    const allowed = cap === undefined ? n : Math.max(0, Math.min(n, cap - e.used));
    e.used += allowed;
    return { allowed, day: e.day };
  }

  /** Gives back reserved sends that were not made (or not accepted) on `day`. */
  release(appKey: string, channel: string, category: QuotaCategoryName, day: string, n: number): void {
    const e = this.entries.get(key(appKey, channel, category));
    if (e && e.day === day) e.used = Math.max(0, e.used - n);
  }

  /** What a vendor said about the quota: its cap, and sends left (from which its count of use follows). */
  learn(appKey: string, channel: string, reading: QuotaReading, fallbackCategory: QuotaCategoryName, now = Date.now()): void {
    const category = isCategory(reading.category?.toLowerCase()) ? (reading.category!.toLowerCase() as QuotaCategoryName) : fallbackCategory;
    const e = this.entry(appKey, channel, category, now);
    let limit = reading.limit;
    let used: number | undefined;
    if (reading.remaining !== undefined && Number.isFinite(reading.remaining)) {
      if (limit !== undefined) used = Math.max(0, limit - reading.remaining);
      else limit = e.used + Math.max(0, reading.remaining);
    }
    if (limit === undefined || !Number.isFinite(limit) || limit < 0) return;
    limit = Math.floor(limit);
    if (used !== undefined) e.used = Math.max(e.used, used);
    if (e.learned === limit && used === undefined) return;
    e.learned = limit;
    this.store.learnQuota(appKey, channel, category, e.day, limit, used).catch((err: unknown) => this.logger.warn({ err }, 'saving a vendor quota reading failed'));
  }

  /** The vendor refused for quota: its cap is what has been used today. */
  exhausted(appKey: string, channel: string, category: string | undefined, fallbackCategory: QuotaCategoryName, now = Date.now()): void {
    const cat = isCategory(category?.toLowerCase()) ? (category!.toLowerCase() as QuotaCategoryName) : fallbackCategory;
    const e = this.entry(appKey, channel, cat, now);
    this.learn(appKey, channel, { category: cat, limit: e.used, remaining: 0 }, cat, now);
  }

  /** An app's figures today for the given channels and categories. */
  figures(appKey: string, wanted: readonly { channel: string; category: QuotaCategoryName }[], now = Date.now()): QuotaFigure[] {
    return wanted.map(({ channel, category }) => ({
      channel,
      category,
      limit: this.limit(appKey, channel, category, now),
      used: this.entry(appKey, channel, category, now).used,
    }));
  }
}

const key = (appKey: string, channel: string, category: string) => `${appKey}\0${channel}\0${category}`;
