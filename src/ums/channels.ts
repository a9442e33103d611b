import type { UmsChannelRecord, UmsChannelSettings, UmsStore } from '../store/ums-types.js';
import { parseQuietHours, parseSensitiveWords } from './settings.js';

/** Opens or closes a channel for sending; the stored record, or undefined when there is no such channel. */
export async function setChannelEnabled(store: UmsStore, channelKey: string, enabled: boolean): Promise<UmsChannelRecord | undefined> {
  const c = await store.getChannel(channelKey);
  if (!c) return undefined;
  const next = { ...c, enabled };
  await store.putChannel(next);
  return next;
}

/** A change of a channel's settings; absent fields keep their value. */
export interface ChannelSettingsPatch {
  sensitiveWords?: readonly string[];
  /** `HH:MM-HH:MM[+HH:MM]`, or null to turn do-not-disturb off. */
  quietHours?: string | null;
  vip?: boolean;
}

export class ChannelSettingsError extends Error {}

/**
 * Applies a settings change (sensitive words, do-not-disturb, VIP) to an existing channel and
 * stores it; the new settings. Wrong input throws ChannelSettingsError before anything is stored.
 */
export async function updateChannelSettings(store: UmsStore, channelKey: string, patch: ChannelSettingsPatch): Promise<UmsChannelSettings> {
  const next = { ...(await store.getSettings(channelKey)) };
  try {
    if (patch.sensitiveWords !== undefined) next.sensitiveWords = parseSensitiveWords(patch.sensitiveWords);
    if (patch.quietHours !== undefined) next.quietHours = patch.quietHours === null ? null : parseQuietHours(patch.quietHours);
  } catch (err) {
    throw new ChannelSettingsError((err as Error).message);
  }
  if (patch.vip !== undefined) next.vip = patch.vip;
  await store.putSettings(channelKey, next);
  return next;
}

/** `22:00-08:00+08:00`: quiet hours as `borealis ums channel settings --quiet-hours` takes them. */
export function formatQuietHours(q: UmsChannelSettings['quietHours']): string | null {
  if (!q) return null;
  const hm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const off = q.utcOffsetMinutes;
  return `${hm(q.fromMinute)}-${hm(q.toMinute)}${off === 0 ? '' : `${off < 0 ? '-' : '+'}${hm(Math.abs(off))}`}`;
}
