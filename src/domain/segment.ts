import { ApiError, errors } from './errors.js';
import { isTagOrAlias } from './names.js';
import { PLATFORMS, type Platform } from './push.js';

/**
 * Segments and A/B tests as saved: a segment is an audience expression over tags, platform and
 * activity; an A/B test splits a segment (or every device of the app) into named groups. Parsed
 * here from the JSON the API takes (JPush field names), shared by the HTTP API and the CLI.
 */
export interface SegmentDefinition {
  tag?: string[];
  tagAnd?: string[];
  tagNot?: string[];
  /** Absent: every platform. */
  platforms?: Platform[];
  /** Only devices connected (or disconnected) within this many days. */
  activeDays?: number;
}

export interface AbTestGroup {
  name: string;
  /** Share of the audience, in whole percent; groups may leave a remainder that gets nothing. */
  percent: number;
}

export interface AbTestDefinition {
  /** The audience split; absent: every device of the app. */
  segmentId?: string;
  groups: AbTestGroup[];
}

export const MAX_SEGMENT_TAGS = 20;
export const MAX_ACTIVE_DAYS = 365;
export const MAX_NAME_LENGTH = 128;
export const MAX_GROUPS = 10;
/** Segments and A/B tests each per app. */
export const MAX_DEFINITIONS_PER_APP = 100;
export const DEFINITION_ID = /^[0-9a-f]{16}$/;
const GROUP_NAME = /^[A-Za-z0-9_-]{1,32}$/;

type Obj = Record<string, unknown>;

function objectOf(body: unknown): Obj {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.invalid('the body must be a JSON object');
  return body as Obj;
}

function refuseUnknown(b: Obj, allowed: readonly string[]): void {
  for (const key of Object.keys(b)) if (!allowed.includes(key)) throw errors.unsupportedKey(`unsupported key: ${key.slice(0, 40)}`);
}

export function parseName(raw: unknown): string {
  if (raw === undefined) throw errors.missing('name is required');
  if (typeof raw !== 'string' || raw.trim() === '' || raw.length > MAX_NAME_LENGTH) {
    throw errors.invalid(`name must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
  }
  return raw;
}

function tagList(raw: unknown, field: string): string[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_SEGMENT_TAGS) {
    throw errors.invalid(`${field} must be an array of 1..${MAX_SEGMENT_TAGS} tags`);
  }
  for (const t of raw) if (!isTagOrAlias(t)) throw errors.invalid(`${field}: illegal tag`);
  return [...new Set(raw as string[])];
}

function platformsOf(raw: unknown): Platform[] | undefined {
  if (raw === undefined || raw === 'all') return undefined;
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || list.length === 0) throw errors.invalid('platform must be "all" or a list of android, ios, hmos, quickapp');
  for (const p of list) {
    if (!(PLATFORMS as readonly unknown[]).includes(p)) throw errors.invalid('platform must be "all" or a list of android, ios, hmos, quickapp');
  }
  const set = [...new Set(list as Platform[])];
  return set.length === PLATFORMS.length ? undefined : set;
}

/** A segment's expression from the API body (name excluded). At least one condition is required. */
export function parseSegmentDefinition(b: Obj): SegmentDefinition {
  const def: SegmentDefinition = {};
  const tag = tagList(b.tag, 'tag');
  const tagAnd = tagList(b.tag_and, 'tag_and');
  const tagNot = tagList(b.tag_not, 'tag_not');
  const platforms = platformsOf(b.platform);
  if (tag) def.tag = tag;
  if (tagAnd) def.tagAnd = tagAnd;
  if (tagNot) def.tagNot = tagNot;
  if (platforms) def.platforms = platforms;
  if (b.active_days !== undefined) {
    const d = b.active_days;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > MAX_ACTIVE_DAYS) {
      throw errors.invalid(`active_days must be an integer 1..${MAX_ACTIVE_DAYS}`);
    }
    def.activeDays = d;
  }
  if (Object.keys(def).length === 0 && b.platform === undefined) {
    throw errors.missing('a segment needs at least one of tag, tag_and, tag_not, platform, active_days');
  }
  return def;
}

/** Body of POST and PUT /v3/segments. */
export function parseSegmentBody(body: unknown): { name: string; definition: SegmentDefinition } {
  const b = objectOf(body);
  refuseUnknown(b, ['name', 'tag', 'tag_and', 'tag_not', 'platform', 'active_days']);
  return { name: parseName(b.name), definition: parseSegmentDefinition(b) };
}

/** Body of POST /v3/abtests. */
export function parseAbTestBody(body: unknown): { name: string; definition: AbTestDefinition } {
  const b = objectOf(body);
  refuseUnknown(b, ['name', 'segment_id', 'groups']);
  const name = parseName(b.name);
  const def: AbTestDefinition = { groups: [] };
  if (b.segment_id !== undefined) {
    if (typeof b.segment_id !== 'string' || !DEFINITION_ID.test(b.segment_id)) throw errors.invalid('segment_id is illegal');
    def.segmentId = b.segment_id;
  }
  if (b.groups === undefined) throw errors.missing('groups is required');
  if (!Array.isArray(b.groups) || b.groups.length < 2 || b.groups.length > MAX_GROUPS) {
    throw errors.invalid(`groups must be an array of 2..${MAX_GROUPS} groups`);
  }
  let total = 0;
  for (const raw of b.groups as unknown[]) {
    const g = objectOf(raw);
    refuseUnknown(g, ['name', 'percent']);
    if (typeof g.name !== 'string' || !GROUP_NAME.test(g.name)) throw errors.invalid('a group name is 1..32 letters, digits, _ or -');
    if (def.groups.some((x) => x.name === g.name)) throw errors.invalid(`group ${g.name} is named twice`);
    if (typeof g.percent !== 'number' || !Number.isInteger(g.percent) || g.percent < 1 || g.percent > 100) {
      throw errors.invalid('a group percent is an integer 1..100');
    }
    total += g.percent;
    def.groups.push({ name: g.name, percent: g.percent });
  }
  if (total > 100) throw errors.invalid('the group percents add up to more than 100');
  return { name, definition: def };
}

/** `abtest` audience values: "ID" (every group) or "ID:GROUP" (one group). */
export function parseAbTestRef(ref: string): { id: string; group?: string } | ApiError {
  const [id = '', group, extra] = ref.split(':');
  if (extra !== undefined || !DEFINITION_ID.test(id) || (group !== undefined && !GROUP_NAME.test(group))) {
    return errors.noTarget(`abtest ${JSON.stringify(ref.slice(0, 60))} is not an A/B test id or id:group`);
  }
  return group === undefined ? { id } : { id, group };
}

/** The API's JSON shape of a segment expression. */
export function segmentDefinitionJson(def: SegmentDefinition): Record<string, unknown> {
  return {
    ...(def.tag ? { tag: def.tag } : {}),
    ...(def.tagAnd ? { tag_and: def.tagAnd } : {}),
    ...(def.tagNot ? { tag_not: def.tagNot } : {}),
    platform: def.platforms ?? 'all',
    ...(def.activeDays !== undefined ? { active_days: def.activeDays } : {}),
  };
}

/**
 * Which group of an A/B test a device falls in: a hash of the test id and the device number,
 * so membership is the same on every call and every node, and independent between tests.
 * Returns the group index, or -1 for the remainder no group takes.
 */
export function groupOf(testId: string, num: number, groups: readonly AbTestGroup[]): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < testId.length; i++) h = Math.imul(h ^ testId.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ num, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  const bucket = (h >>> 0) % 100;
  let upTo = 0;
  for (let g = 0; g < groups.length; g++) {
    upTo += groups[g]!.percent;
    if (bucket < upTo) return g;
  }
  return -1;
}
