import type { DevicePlatform } from '../domain/device.js';

/** Periods activity is kept for: an hour, a UTC day, a UTC month. */
export type ActivityUnit = 'hour' | 'day' | 'month';

/** Devices connected in one period of one app: a portable roaring bitmap of device numbers. */
export interface ActivityRow {
  appKey: string;
  unit: ActivityUnit;
  /** Start of the period, epoch ms. */
  period: number;
  devices: Buffer;
}

export interface ActivityStore {
  /** Adds devices to their periods' sets (OR-ed with what is stored), in one transaction. */
  merge(rows: readonly ActivityRow[], orBitmaps: (a: Buffer, b: Buffer) => Buffer): Promise<void>;
  get(appKey: string, unit: ActivityUnit, period: number): Promise<Buffer | undefined>;
  /** Drops the periods of `unit` that started before `before`. */
  prune(unit: ActivityUnit, before: number): Promise<void>;
  /** Devices registered in [from, to), per platform. */
  newDevices(appKey: string, from: number, to: number): Promise<Map<DevicePlatform, number>>;
}
