import { randomBytes } from 'node:crypto';
import { ApiError, errors } from '../domain/errors.js';
import type { AbTestRecord, SegmentRecord, SegmentStore } from '../store/segment-types.js';
import {
  DEFINITION_ID,
  MAX_DEFINITIONS_PER_APP,
  segmentDefinitionJson,
  type AbTestDefinition,
  type SegmentDefinition,
} from '../domain/segment.js';

/**
 * Creating, changing and deleting segments and A/B tests, with their per-app limits: the one
 * place the HTTP API and the CLI both go through.
 */

const notFound = (what: string) => new ApiError(1003, `${what} does not exist`, 404);

function newId(): string {
  return randomBytes(8).toString('hex');
}

export async function createSegment(store: SegmentStore, appKey: string, name: string, definition: SegmentDefinition): Promise<SegmentRecord> {
  if ((await store.listSegments(appKey)).length >= MAX_DEFINITIONS_PER_APP) {
    throw errors.invalid(`an app may have at most ${MAX_DEFINITIONS_PER_APP} segments`);
  }
  const now = Date.now();
  const record: SegmentRecord = { appKey, id: newId(), name, definition, createdAt: now, updatedAt: now };
  await store.createSegment(record);
  return record;
}

export async function getSegment(store: SegmentStore, appKey: string, id: string): Promise<SegmentRecord> {
  const record = DEFINITION_ID.test(id) ? await store.getSegment(appKey, id) : undefined;
  if (!record) throw notFound('segment');
  return record;
}

export async function updateSegment(store: SegmentStore, appKey: string, id: string, name: string, definition: SegmentDefinition): Promise<SegmentRecord> {
  if (!DEFINITION_ID.test(id) || !(await store.updateSegment(appKey, id, name, definition, Date.now()))) throw notFound('segment');
  return getSegment(store, appKey, id);
}

/** A segment an A/B test splits is kept until the test is deleted. */
export async function deleteSegment(store: SegmentStore, appKey: string, id: string): Promise<void> {
  if (!DEFINITION_ID.test(id)) throw notFound('segment');
  const users = await store.abTestsOfSegment(appKey, id);
  if (users.length > 0) throw errors.invalid(`segment is split by abtest ${users.join(', ')}; delete that first`);
  if (!(await store.deleteSegment(appKey, id))) throw notFound('segment');
}

export async function createAbTest(store: SegmentStore, appKey: string, name: string, definition: AbTestDefinition): Promise<AbTestRecord> {
  if ((await store.listAbTests(appKey)).length >= MAX_DEFINITIONS_PER_APP) {
    throw errors.invalid(`an app may have at most ${MAX_DEFINITIONS_PER_APP} abtests`);
  }
  if (definition.segmentId !== undefined && !(await store.getSegment(appKey, definition.segmentId))) {
    throw errors.invalid('segment_id does not exist');
  }
  const record: AbTestRecord = { appKey, id: newId(), name, definition, createdAt: Date.now() };
  await store.createAbTest(record);
  return record;
}

export async function getAbTest(store: SegmentStore, appKey: string, id: string): Promise<AbTestRecord> {
  const record = DEFINITION_ID.test(id) ? await store.getAbTest(appKey, id) : undefined;
  if (!record) throw notFound('abtest');
  return record;
}

export async function deleteAbTest(store: SegmentStore, appKey: string, id: string): Promise<void> {
  if (!DEFINITION_ID.test(id) || !(await store.deleteAbTest(appKey, id))) throw notFound('abtest');
}

/** "YYYY-MM-DD HH:MM:SS" in UTC, as the JPush APIs print times. */
export function dateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export function segmentJson(r: SegmentRecord): Record<string, unknown> {
  return {
    segment_id: r.id,
    name: r.name,
    ...segmentDefinitionJson(r.definition),
    created_at: dateTime(r.createdAt),
    updated_at: dateTime(r.updatedAt),
  };
}

export function abTestJson(r: AbTestRecord): Record<string, unknown> {
  return {
    abtest_id: r.id,
    name: r.name,
    ...(r.definition.segmentId !== undefined ? { segment_id: r.definition.segmentId } : {}),
    groups: r.definition.groups.map((g) => ({ name: g.name, percent: g.percent })),
    created_at: dateTime(r.createdAt),
  };
}
