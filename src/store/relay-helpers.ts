import roaring from 'roaring';
import type { VendorTokens } from '../domain/device.js';

const { RoaringBitmap32 } = roaring;

/** The token a device holds for a channel (a Web Push subscription is known by its endpoint). */
export function tokenOf(tokens: VendorTokens, channel: string): string | undefined {
  const t = (tokens as Record<string, unknown>)[channel];
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && typeof (t as { endpoint?: unknown }).endpoint === 'string') return (t as { endpoint: string }).endpoint;
  return undefined;
}

/** A portable roaring bitmap as a Buffer. */
export function bitmapBytes(nums: Iterable<number> | InstanceType<typeof RoaringBitmap32>): Buffer {
  const b = nums instanceof RoaringBitmap32 ? nums : RoaringBitmap32.from(nums);
  const u = b.serialize('portable');
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** A stored bitmap (or none) with more device numbers added. */
export function addAll(existing: Buffer | undefined, nums: readonly number[]): Buffer {
  const b = existing ? RoaringBitmap32.deserialize(existing, 'portable') : new RoaringBitmap32();
  b.addMany(nums);
  return bitmapBytes(b);
}

/** The slice a retry makes of some devices: its range and bitmap. */
export function retrySlice(nums: readonly number[]): { lo: number; hi: number; bitmap: Buffer } {
  const b = RoaringBitmap32.from(nums);
  return { lo: b.minimum(), hi: b.maximum() + 1, bitmap: bitmapBytes(b) };
}

/** A device's tokens as the store gives them back: JSON text, or an object already parsed. */
export function parseTokens(raw: unknown): Record<string, unknown> {
  return (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>;
}
