import type Database from 'better-sqlite3';
import type { AbTestRecord, SegmentRecord, SegmentStore } from '../segment-types.js';

type Row = Record<string, unknown>;

function toSegment(row: Row): SegmentRecord {
  return {
    appKey: row.app_key as string,
    id: row.segment_id as string,
    name: row.name as string,
    definition: JSON.parse(row.definition as string) as SegmentRecord['definition'],
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toAbTest(row: Row): AbTestRecord {
  return {
    appKey: row.app_key as string,
    id: row.abtest_id as string,
    name: row.name as string,
    definition: JSON.parse(row.definition as string) as AbTestRecord['definition'],
    createdAt: Number(row.created_at),
  };
}

/** Segments and A/B tests, each scoped to its app by the primary key. */
export function sqliteSegmentStore(db: Database.Database): SegmentStore {
  const s = {
    segInsert: db.prepare(
      'INSERT INTO segments (app_key, segment_id, name, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    segUpdate: db.prepare('UPDATE segments SET name = ?, definition = ?, updated_at = ? WHERE app_key = ? AND segment_id = ?'),
    segGet: db.prepare('SELECT * FROM segments WHERE app_key = ? AND segment_id = ?'),
    segList: db.prepare('SELECT * FROM segments WHERE app_key = ? ORDER BY created_at, segment_id'),
    segDelete: db.prepare('DELETE FROM segments WHERE app_key = ? AND segment_id = ?'),
    abInsert: db.prepare(
      'INSERT INTO abtests (app_key, abtest_id, name, segment_id, definition, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    abGet: db.prepare('SELECT * FROM abtests WHERE app_key = ? AND abtest_id = ?'),
    abList: db.prepare('SELECT * FROM abtests WHERE app_key = ? ORDER BY created_at, abtest_id'),
    abDelete: db.prepare('DELETE FROM abtests WHERE app_key = ? AND abtest_id = ?'),
    abOfSegment: db.prepare('SELECT abtest_id FROM abtests WHERE app_key = ? AND segment_id = ?').pluck(),
    active: db.prepare('SELECT num FROM devices WHERE app_key = ? AND last_online_at >= ?').pluck(),
  };
  return {
    async createSegment(r) {
      s.segInsert.run(r.appKey, r.id, r.name, JSON.stringify(r.definition), r.createdAt, r.updatedAt);
    },
    async updateSegment(appKey, id, name, definition, at) {
      return s.segUpdate.run(name, JSON.stringify(definition), at, appKey, id).changes === 1;
    },
    async getSegment(appKey, id) {
      const row = s.segGet.get(appKey, id) as Row | undefined;
      return row ? toSegment(row) : undefined;
    },
    async listSegments(appKey) {
      return (s.segList.all(appKey) as Row[]).map(toSegment);
    },
    async deleteSegment(appKey, id) {
      return s.segDelete.run(appKey, id).changes === 1;
    },
    async createAbTest(r) {
      s.abInsert.run(r.appKey, r.id, r.name, r.definition.segmentId ?? null, JSON.stringify(r.definition), r.createdAt);
    },
    async getAbTest(appKey, id) {
      const row = s.abGet.get(appKey, id) as Row | undefined;
      return row ? toAbTest(row) : undefined;
    },
    async listAbTests(appKey) {
      return (s.abList.all(appKey) as Row[]).map(toAbTest);
    },
    async deleteAbTest(appKey, id) {
      return s.abDelete.run(appKey, id).changes === 1;
    },
    async abTestsOfSegment(appKey, segmentId) {
      return s.abOfSegment.all(appKey, segmentId) as string[];
    },
    async activeSince(appKey, since) {
      return (s.active.all(appKey, since) as (number | bigint)[]).map(Number);
    },
  };
}
