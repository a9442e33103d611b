import { RoaringBitmap32, type AudienceIndex, type Bitmap } from '../audience/audience-index.js';
import type { AudienceDefinitions } from '../audience/segments.js';
import { errors } from '../domain/errors.js';
import type { FileAudience } from '../files/file-audience.js';
import { PLATFORMS, type Platform, type Push } from '../domain/push.js';
import { effectivePlatforms } from './render.js';
import type { LiveActivityTokenStore } from '../store/live-activity-types.js';

/** A push's resolved target set, ready to store and to fan out. */
export interface PlannedTargets {
  bitmap: Bitmap;
  /** Portable roaring serialization, as stored. */
  serialized: Buffer;
  count: number;
}

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
      bitmap = await this.index.resolve(push.appKey, wanted, a);
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

function planned(bitmap: Bitmap | null): PlannedTargets {
  if (!bitmap || bitmap.isEmpty) throw errors.noTarget();
  // run containers only pay off for long runs of consecutive numbers, never in a short list
  if (bitmap.size > 64) bitmap.runOptimize();
  const bytes = bitmap.serialize('portable');
  return { bitmap, serialized: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), count: bitmap.size };
}
