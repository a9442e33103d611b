/** Paced pushes (big_push_duration), PostgreSQL: how far each has released its targets. */
export const PACING_SCHEMA = `
CREATE TABLE paced_pushes (
  msg_id       BIGINT PRIMARY KEY,
  app_key      TEXT NOT NULL,
  released     BIGINT NOT NULL,
  last_num     BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  finished_at  BIGINT
);
`;
