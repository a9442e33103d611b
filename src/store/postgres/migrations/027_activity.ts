import type { MigrationBuilder } from 'node-pg-migrate';

// Device activity (PostgreSQL): devices connected per app, hour, day and month, as bitmaps.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE device_activity (
    app_key  TEXT COLLATE "C" NOT NULL,
    unit     TEXT COLLATE "C" NOT NULL,
    period   BIGINT NOT NULL,
    devices  BYTEA NOT NULL,
    PRIMARY KEY (app_key, unit, period)
  );
  CREATE INDEX device_activity_by_age ON device_activity (unit, period);
  `);
}
