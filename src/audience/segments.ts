import { PLATFORMS } from '../domain/push.js';
import { errors } from '../domain/errors.js';
import type { AbTestRecord, SegmentStore } from '../store/segment-types.js';
import { RoaringBitmap32, type AudienceIndex, type Bitmap } from './audience-index.js';
import { groupOf, parseAbTestRef, type SegmentDefinition } from '../domain/segment.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Turns saved segments and A/B tests into device sets, at the moment a push asks: tags and
 * platforms from the audience index, activity from the devices' last connection times in the
 * store. Nothing is cached, so a definition changed by the CLI or the API applies to the next push.
 */
export class AudienceDefinitions {
  constructor(
    private readonly store: SegmentStore,
    private readonly index: AudienceIndex,
  ) {}

  /** Devices a segment expression matches now. */
  async evaluate(appKey: string, def: SegmentDefinition, now = Date.now()): Promise<Bitmap> {
    const audience = { tag: def.tag, tagAnd: def.tagAnd, tagNot: def.tagNot };
    let set = await this.index.resolve(appKey, def.platforms ?? PLATFORMS, audience);
    if (def.activeDays !== undefined) {
      const active = new RoaringBitmap32(await this.store.activeSince(appKey, now - def.activeDays * DAY_MS));
      set = RoaringBitmap32.and(set, active);
    }
    return set;
  }

  /** `audience.segment`: the devices of a segment of this app, or 1011 when there is no such segment. */
  async segment(appKey: string, id: string): Promise<Bitmap> {
    const record = await this.store.getSegment(appKey, id);
    if (!record) throw errors.noTarget(`segment ${JSON.stringify(id.slice(0, 60))} does not exist`);
    return this.evaluate(appKey, record.definition);
  }

  /** Each group's devices of an A/B test, in the order of its groups. */
  async groups(record: AbTestRecord): Promise<Bitmap[]> {
    const { appKey, definition } = record;
    const base = definition.segmentId === undefined ? this.index.platformSet(appKey, ['android', 'ios', 'hmos', 'quickapp', 'web']) : await this.segment(appKey, definition.segmentId);
    const lists: number[][] = definition.groups.map(() => []);
    for (const num of base) {
      const g = groupOf(record.id, num, definition.groups);
      if (g >= 0) lists[g]!.push(num);
    }
    return lists.map((nums) => new RoaringBitmap32(nums));
  }

  /** `audience.abtest`: "ID" is every group of the test, "ID:GROUP" one group; 1011 when unknown. */
  async abtest(appKey: string, ref: string): Promise<Bitmap> {
    const parsed = parseAbTestRef(ref);
    if (parsed instanceof Error) throw parsed;
    const record = await this.store.getAbTest(appKey, parsed.id);
    if (!record) throw errors.noTarget(`abtest ${parsed.id} does not exist`);
    const groups = await this.groups(record);
    if (parsed.group === undefined) return RoaringBitmap32.orMany(groups);
    const at = record.definition.groups.findIndex((g) => g.name === parsed.group);
    if (at < 0) throw errors.noTarget(`abtest ${parsed.id} has no group ${parsed.group}`);
    return groups[at]!;
  }
}
