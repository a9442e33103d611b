import type { MigrationBuilder } from 'node-pg-migrate';

// App groups for group push (PostgreSQL): a key, a secret digest and member apps.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE app_groups (
    group_key    TEXT COLLATE "C" PRIMARY KEY,
    name         TEXT NOT NULL,
    secret_hash  BYTEA NOT NULL,
    created_at   BIGINT NOT NULL
  );
  CREATE TABLE app_group_members (
    group_key  TEXT COLLATE "C" NOT NULL,
    app_key    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (group_key, app_key)
  );
  `);
}
