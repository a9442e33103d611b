import type { Bitmap } from '../audience/audience-index.js';

/**
 * Cuts a target set into slices of at most `size` devices, as device-number ranges [lo, hi):
 * a broadcast to a million devices is a thousand queue rows of 1,000, not a million rows.
 */
export function sliceRanges(targets: Bitmap, size: number): [number, number][] {
  const count = targets.size;
  const out: [number, number][] = [];
  for (let rank = 0; rank < count; rank += size) {
    const lo = targets.select(rank)!;
    const next = rank + size < count ? targets.select(rank + size)! : targets.maximum() + 1;
    out.push([lo, next]);
  }
  return out;
}
