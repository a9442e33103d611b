import { createHash } from 'node:crypto';
import roaring from 'roaring';
import { DEVICE_PLATFORMS, type DevicePlatform } from '../domain/device.js';

const { RoaringBitmap32 } = roaring;
type Bitmap = InstanceType<typeof RoaringBitmap32>;

/** One app's bitmaps, as the snapshot holds them. */
export interface AppBitmaps {
  all: Bitmap;
  platforms: Map<DevicePlatform, Bitmap>;
  tags: Map<string, Bitmap>;
}

const MAGIC = Buffer.from('BRAX');
const FORMAT = 1;
const DIGEST_BYTES = 32;
const HEADER_BYTES = MAGIC.length + 4 + DIGEST_BYTES;

/** The snapshot could not be read back: wrong format, truncated, or altered. */
export class SnapshotFormatError extends Error {}

/**
 * Serializes an index's bitmaps: magic, format number, SHA-256 of the body, then per app its
 * key, all-devices bitmap, platform bitmaps and tag bitmaps (roaring's portable format, which
 * decodes without rebuilding containers). The digest catches torn or altered rows before any
 * bitmap is decoded.
 */
export function encodeSnapshot(apps: ReadonlyMap<string, AppBitmaps>): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(n);
    parts.push(b);
  };
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    u32(b.length);
    parts.push(b);
  };
  const bitmap = (b: Bitmap) => {
    const bytes: Uint8Array = b.serialize('portable');
    u32(bytes.byteLength);
    parts.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  };
  u32(apps.size);
  for (const [appKey, a] of apps) {
    str(appKey);
    bitmap(a.all);
    u32(a.platforms.size);
    for (const [p, b] of a.platforms) {
      str(p);
      bitmap(b);
    }
    u32(a.tags.size);
    for (const [t, b] of a.tags) {
      str(t);
      bitmap(b);
    }
  }
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(FORMAT, MAGIC.length);
  createHash('sha256').update(body).digest().copy(header, MAGIC.length + 4);
  return Buffer.concat([header, body]);
}

/** Reads back what `encodeSnapshot` wrote; throws SnapshotFormatError on anything else. */
export function decodeSnapshot(data: Buffer): Map<string, AppBitmaps> {
  if (data.length < HEADER_BYTES || !data.subarray(0, MAGIC.length).equals(MAGIC)) throw new SnapshotFormatError('not an audience index snapshot');
  const format = data.readUInt32LE(MAGIC.length);
  if (format !== FORMAT) throw new SnapshotFormatError(`unknown snapshot format ${format}`);
  const body = data.subarray(HEADER_BYTES);
  const digest = createHash('sha256').update(body).digest();
  if (!digest.equals(data.subarray(MAGIC.length + 4, HEADER_BYTES))) throw new SnapshotFormatError('snapshot digest mismatch');

  let at = 0;
  const take = (n: number) => {
    if (at + n > body.length) throw new SnapshotFormatError('snapshot truncated');
    const b = body.subarray(at, at + n);
    at += n;
    return b;
  };
  const u32 = () => take(4).readUInt32LE(0);
  const str = () => take(u32()).toString('utf8');
  const bitmap = () => RoaringBitmap32.deserialize(take(u32()), 'portable');

  const apps = new Map<string, AppBitmaps>();
  for (let i = u32(); i > 0; i--) {
    const appKey = str();
    const app: AppBitmaps = { all: bitmap(), platforms: new Map(), tags: new Map() };
    for (let n = u32(); n > 0; n--) {
      const p = str();
      if (!(DEVICE_PLATFORMS as readonly string[]).includes(p)) throw new SnapshotFormatError(`unknown platform ${p} in snapshot`);
      app.platforms.set(p as DevicePlatform, bitmap());
    }
    for (let n = u32(); n > 0; n--) {
      const t = str();
      app.tags.set(t, bitmap());
    }
    apps.set(appKey, app);
  }
  if (at !== body.length) throw new SnapshotFormatError('trailing bytes after snapshot');
  return apps;
}
