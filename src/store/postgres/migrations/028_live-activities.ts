import type { MigrationBuilder } from 'node-pg-migrate';

// Live Activity update tokens (PostgreSQL): per app, activity and device.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE live_activity_tokens (
    app_key      TEXT COLLATE "C" NOT NULL,
    activity_id  TEXT COLLATE "C" NOT NULL,
    num          BIGINT NOT NULL,
    token        TEXT COLLATE "C" NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (app_key, activity_id, num)
  );
  CREATE INDEX live_activity_tokens_by_device ON live_activity_tokens (app_key, num);
  `);
}
