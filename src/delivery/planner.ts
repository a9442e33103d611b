import { RoaringBitmap32, type AudienceIndex, type Bitmap } from '../audience/audience-index.js';
import type { AudienceDefinitions } from '../audience/segments.js';
import { errors } from '../domain/errors.js';
import type { FileAudience } from '../files/file-audience.js';
import { PLATFORMS, type Platform, type Push } from '../domain/push.js';
import { effectivePlatforms } from './render.js';
import type { LiveActivityTokenStore } from '../store/live-activity-types.js';

/** A push's resolved target set, ready to store and to fan out. */
export interface PlannedTargets {
  readonly bitmap: Bitmap;
  /** Portable roaring serialization, as stored. */
  readonly serialized: Buffer;
  readonly count: number;
  /** The same devices as numbers in increasing order, when the planner had them as a list (a few explicit devices). */
  readonly nums?: readonly number[];
}

/**
 * Up to this many devices named explicitly (registration ids, aliases, accounts) are planned
 * as a list: serialized here, their bitmap built only if something asks for it. Roaring keeps
 * so few numbers in array containers (no run containers below this size, see `planned`), so
 * the bytes are the ones the library would write.
 */
export const LISTED_TARGETS = 64;

/**
 * Turns a push's platform and audience into the set of devices it targets, answering 1011
 * when none matches. Devices of a platform the push has no content for are not targets.
 */
export class Planner {
  constructor(
    private readonly index: AudienceIndex,
    private readonly files?: FileAudience,
    /** Saved segments and A/B tests; without them those audiences match nothing. */
    private readonly definitions?: AudienceDefinitions,
    /** Devices holding a Live Activity's update token; without it live_activity_id matches nothing. */
    private readonly liveActivities?: Pick<LiveActivityTokenStore, 'holders'>,
  ) {}

  async plan(push: Push): Promise<PlannedTargets> {
    const a = push.audience;
    // Audience kinds whose definitions live in features this server does not have (or was not
    // given): nothing can match them, and saying why beats a bare 1011.
    if (a.segment && !this.definitions) throw errors.noTarget('no devices match: segments are not defined on this server');
    if (a.abtest && !this.definitions) throw errors.noTarget('no devices match: A/B tests are not defined on this server');
    if (a.liveActivityId !== undefined) return this.planLiveActivity(push, a.liveActivityId);

    let platforms = effectivePlatforms(push);
    // A Live Activity travels over APNs only: its targets are the iOS devices of the audience.
    if (platforms.length === 0 && push.liveActivity && push.platforms.includes('ios')) platforms = ['ios'];
    const pushPlatforms = platforms.filter((p): p is Platform => (PLATFORMS as readonly string[]).includes(p));
    // All four push platforms with content means "all" (web included); otherwise only those named.
    const wanted = platforms.includes('web') ? PLATFORMS : pushPlatforms;
    let bitmap: Bitmap | null = null;
    if (a.fileId !== undefined) {
      const fromFile = await this.files?.resolve(push.appKey, a.fileId, a.fileOwner);
      if (!fromFile) throw errors.noTarget('no devices match: file_id does not exist or has expired');
      bitmap = wanted.length === PLATFORMS.length ? fromFile : RoaringBitmap32.and(fromFile, this.index.platformSet(push.appKey, wanted));
    } else if (platforms.length > 0) {
      // a few devices named explicitly (the usual transactional push) stay a list
      const explicit = a.segment === undefined && a.abtest === undefined ? this.index.resolveExplicitNums(push.appKey, wanted, a) : null;
      if (explicit !== null) {
        const nums = await explicit;
        if (nums.length <= LISTED_TARGETS) return listed(nums);
        bitmap = new RoaringBitmap32(nums);
      } else {
        bitmap = await this.index.resolve(push.appKey, wanted, a);
      }
    }
    // segment and abtest AND with the other audience kinds (one value each, as JPush allows)
    if (bitmap && this.definitions) {
      for (const id of a.segment ?? []) bitmap = RoaringBitmap32.and(bitmap, await this.definitions.segment(push.appKey, id));
      for (const ref of a.abtest ?? []) bitmap = RoaringBitmap32.and(bitmap, await this.definitions.abtest(push.appKey, ref));
    }
    return planned(bitmap);
  }

  /** The iOS devices that registered an update token under the activity id (the only audience allowed with it). */
  private async planLiveActivity(push: Push, activityId: string): Promise<PlannedTargets> {
    const nums = this.liveActivities ? await this.liveActivities.holders(push.appKey, activityId) : [];
    if (nums.length === 0) throw errors.noTarget('no devices match: no device registered this live_activity_id');
    return planned(RoaringBitmap32.and(RoaringBitmap32.from(nums), this.index.platformSet(push.appKey, ['ios'])));
  }
}

/** A few devices as a list: serialized without the library, a bitmap only on demand. */
class ListedTargets implements PlannedTargets {
  private built: Bitmap | undefined;
  readonly serialized: Buffer;

  constructor(readonly nums: readonly number[]) {
    this.serialized = serializeSorted(nums);
  }

  get count(): number {
    return this.nums.length;
  }

  get bitmap(): Bitmap {
    return (this.built ??= new RoaringBitmap32(this.nums));
  }
}

function listed(nums: number[]): PlannedTargets {
  if (nums.length === 0) throw errors.noTarget();
  return new ListedTargets(nums);
}

const SERIAL_COOKIE_NO_RUNCONTAINER = 12346;

/**
 * Roaring's portable serialization of distinct numbers in increasing order, at most 4,096 per
 * 65,536-number container (so every container is an array container): the cookie, the
 * container count, each container's key and cardinality - 1, each container's byte offset,
 * then each container's low 16 bits of its numbers (all little-endian).
 */
export function serializeSorted(nums: readonly number[]): Buffer {
  let containers = 0;
  let lastKey = -1;
  for (let i = 0; i < nums.length; i++) {
    const key = nums[i]! >>> 16;
    if (key !== lastKey) {
      containers++;
      lastKey = key;
    }
  }
  const header = 8 + 8 * containers;
  const out = Buffer.allocUnsafe(header + 2 * nums.length);
  out.writeUInt32LE(SERIAL_COOKIE_NO_RUNCONTAINER, 0);
  out.writeUInt32LE(containers, 4);
  let c = 0;
  let data = header;
  for (let i = 0; i < nums.length; ) {
    const key = nums[i]! >>> 16;
    let j = i + 1;
    while (j < nums.length && nums[j]! >>> 16 === key) j++;
    if (j - i > 4096) throw new RangeError('more than 4,096 numbers in one container');
    out.writeUInt16LE(key, 8 + 4 * c);
    out.writeUInt16LE(j - i - 1, 10 + 4 * c);
    out.writeUInt32LE(data, 8 + 4 * containers + 4 * c);
    for (; i < j; i++, data += 2) out.writeUInt16LE(nums[i]! & 0xffff, data);
    c++;
  }
  return out;
}

function planned(bitmap: Bitmap | null): PlannedTargets {
  if (!bitmap || bitmap.isEmpty) throw errors.noTarget();
  // run containers only pay off for long runs of consecutive numbers, never in a short list
  if (bitmap.size > 64) bitmap.runOptimize();
  const bytes = bitmap.serialize('portable');
  return { bitmap, serialized: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), count: bitmap.size };
}
