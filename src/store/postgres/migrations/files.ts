/** Uploaded audience files (PostgreSQL): one row per distinct value, invisible until ready. */
export const FILES_SCHEMA = `
CREATE TABLE files (
  file_id      TEXT PRIMARY KEY,
  owner_key    TEXT NOT NULL,
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
  file_id  TEXT NOT NULL,
  value    TEXT NOT NULL,
  PRIMARY KEY (file_id, value)
);
`;
