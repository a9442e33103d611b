import type { MigrationBuilder } from 'node-pg-migrate';

// Segments and A/B tests (PostgreSQL): saved audience expressions of an app, as JSON text.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE segments (
    app_key     TEXT COLLATE "C" NOT NULL,
    segment_id  TEXT COLLATE "C" NOT NULL,
    name        TEXT NOT NULL,
    definition  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (app_key, segment_id)
  );
  CREATE TABLE abtests (
    app_key     TEXT COLLATE "C" NOT NULL,
    abtest_id   TEXT COLLATE "C" NOT NULL,
    name        TEXT NOT NULL,
    segment_id  TEXT COLLATE "C",
    definition  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (app_key, abtest_id)
  );
  CREATE INDEX abtests_by_segment ON abtests (app_key, segment_id) WHERE segment_id IS NOT NULL;
  `);
}
