import type { AudienceIndex, Bitmap } from '../audience/audience-index.js';
import { errors } from '../domain/errors.js';
import { PLATFORMS, type Platform, type Push } from '../domain/push.js';
import { effectivePlatforms } from './render.js';

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
  constructor(private readonly index: AudienceIndex) {}

  async plan(push: Push): Promise<PlannedTargets> {
    const a = push.audience;
    // Audience kinds whose definitions live in features this server does not have yet:
    // nothing can match them, and saying why beats a bare 1011.
    if (a.segment) throw errors.noTarget('no devices match: segments are not defined on this server');
    if (a.abtest) throw errors.noTarget('no devices match: A/B tests are not defined on this server');
    if (a.fileId !== undefined) throw errors.noTarget('no devices match: file_id does not exist');
    if (a.liveActivityId !== undefined) throw errors.noTarget('no devices match: live_activity_id is not registered');

    let platforms = effectivePlatforms(push);
    // A Live Activity travels over APNs only: its targets are the iOS devices of the audience.
    if (platforms.length === 0 && push.liveActivity && push.platforms.includes('ios')) platforms = ['ios'];
    const pushPlatforms = platforms.filter((p): p is Platform => (PLATFORMS as readonly string[]).includes(p));
    // All four push platforms with content means "all" (web included); otherwise only those named.
    const bitmap =
      platforms.length === 0 ? null : await this.index.resolve(push.appKey, platforms.includes('web') ? PLATFORMS : pushPlatforms, a);
    if (!bitmap || bitmap.isEmpty) throw errors.noTarget();
    // run containers only pay off for long runs of consecutive numbers, never in a short list
    if (bitmap.size > 64) bitmap.runOptimize();
    const bytes = bitmap.serialize('portable');
    return { bitmap, serialized: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), count: bitmap.size };
  }
}
