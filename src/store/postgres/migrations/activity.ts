/** Device activity (PostgreSQL): devices connected per app, hour, day and month, as bitmaps. */
export const ACTIVITY_SCHEMA = `
CREATE TABLE device_activity (
  app_key  TEXT NOT NULL,
  unit     TEXT NOT NULL,
  period   BIGINT NOT NULL,
  devices  BYTEA NOT NULL,
  PRIMARY KEY (app_key, unit, period)
);
CREATE INDEX device_activity_by_age ON device_activity (unit, period);
`;
