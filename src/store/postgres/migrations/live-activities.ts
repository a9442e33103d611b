/** Live Activity update tokens (PostgreSQL): per app, activity and device. */
export const LIVE_ACTIVITIES_SCHEMA = `
CREATE TABLE live_activity_tokens (
  app_key      TEXT NOT NULL,
  activity_id  TEXT NOT NULL,
  num          BIGINT NOT NULL,
  token        TEXT NOT NULL,
  updated_at   BIGINT NOT NULL,
  PRIMARY KEY (app_key, activity_id, num)
);
CREATE INDEX live_activity_tokens_by_device ON live_activity_tokens (app_key, num);
`;
