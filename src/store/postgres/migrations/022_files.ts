import type { MigrationBuilder } from 'node-pg-migrate';

// Uploaded audience files (PostgreSQL): one row per distinct value, invisible until ready.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE files (
    file_id      TEXT COLLATE "C" PRIMARY KEY,
    owner_key    TEXT COLLATE "C" NOT NULL,
    type         TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    value_count  INTEGER NOT NULL DEFAULT 0,
    ready        BOOLEAN NOT NULL DEFAULT false
  );
  CREATE INDEX files_by_owner ON files (owner_key, created_at);
  CREATE INDEX files_by_expiry ON files (expires_at);

  CREATE TABLE file_values (
    file_id  TEXT COLLATE "C" NOT NULL,
    value    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (file_id, value)
  );
  `);
}
