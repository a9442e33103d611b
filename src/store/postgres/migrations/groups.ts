/** App groups for group push (PostgreSQL): a key, a secret digest and member apps. */
export const GROUPS_SCHEMA = `
CREATE TABLE app_groups (
  group_key    TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  secret_hash  BYTEA NOT NULL,
  created_at   BIGINT NOT NULL
);
CREATE TABLE app_group_members (
  group_key  TEXT NOT NULL,
  app_key    TEXT NOT NULL,
  PRIMARY KEY (group_key, app_key)
);
`;
