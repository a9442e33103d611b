import type { AbTestRecord, SegmentRecord, SegmentStore } from '../segment-types.js';
import type { Db, Row } from './db.js';

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

/** Segments and A/B tests over PostgreSQL, each scoped to its app by the primary key. */
export function postgresSegmentStore(db: Db): SegmentStore {
  const changed = async (sql: string, args: unknown[]) => (await db.query(sql, args)).rowCount === 1;
  return {
    async createSegment(r) {
      await db.query('INSERT INTO segments (app_key, segment_id, name, definition, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        r.appKey,
        r.id,
        r.name,
        JSON.stringify(r.definition),
        r.createdAt,
        r.updatedAt,
      ]);
    },
    async updateSegment(appKey, id, name, definition, at) {
      return changed('UPDATE segments SET name = $1, definition = $2, updated_at = $3 WHERE app_key = $4 AND segment_id = $5', [name, JSON.stringify(definition), at, appKey, id]);
    },
    async getSegment(appKey, id) {
      const { rows } = await db.query('SELECT * FROM segments WHERE app_key = $1 AND segment_id = $2', [appKey, id]);
      return rows[0] ? toSegment(rows[0] as Row) : undefined;
    },
    async listSegments(appKey) {
      const { rows } = await db.query('SELECT * FROM segments WHERE app_key = $1 ORDER BY created_at, segment_id', [appKey]);
      return (rows as Row[]).map(toSegment);
    },
    async deleteSegment(appKey, id) {
      return changed('DELETE FROM segments WHERE app_key = $1 AND segment_id = $2', [appKey, id]);
    },
    async createAbTest(r) {
      await db.query('INSERT INTO abtests (app_key, abtest_id, name, segment_id, definition, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        r.appKey,
        r.id,
        r.name,
        r.definition.segmentId ?? null,
        JSON.stringify(r.definition),
        r.createdAt,
      ]);
    },
    async getAbTest(appKey, id) {
      const { rows } = await db.query('SELECT * FROM abtests WHERE app_key = $1 AND abtest_id = $2', [appKey, id]);
      return rows[0] ? toAbTest(rows[0] as Row) : undefined;
    },
    async listAbTests(appKey) {
      const { rows } = await db.query('SELECT * FROM abtests WHERE app_key = $1 ORDER BY created_at, abtest_id', [appKey]);
      return (rows as Row[]).map(toAbTest);
    },
    async deleteAbTest(appKey, id) {
      return changed('DELETE FROM abtests WHERE app_key = $1 AND abtest_id = $2', [appKey, id]);
    },
    async abTestsOfSegment(appKey, segmentId) {
      const { rows } = await db.query('SELECT abtest_id FROM abtests WHERE app_key = $1 AND segment_id = $2 ORDER BY abtest_id', [appKey, segmentId]);
      return (rows as Row[]).map((r) => r.abtest_id as string);
    },
    async activeSince(appKey, since) {
      const { rows } = await db.query('SELECT num FROM devices WHERE app_key = $1 AND last_online_at >= $2', [appKey, since]);
      return (rows as Row[]).map((r) => Number(r.num));
    },
  };
}
