/**
 * EMAS OpenAPI tables (PostgreSQL): AccessKey pairs (the secret kept as issued: HMAC-SHA1
 * signatures are checked with it), each app's numeric EMAS AppKey, pushes waiting for their
 * PushTime or targets (lease_until: the node firing a due one), and IdempotentTokens.
 */
export const EMAS_SCHEMA = `
CREATE TABLE access_keys (
  access_key_id  TEXT PRIMARY KEY,
  app_key        TEXT NOT NULL,
  secret         TEXT NOT NULL,
  created_at     BIGINT NOT NULL,
  disabled_at    BIGINT
);
CREATE INDEX access_keys_by_app ON access_keys (app_key);

CREATE TABLE emas_apps (
  app_key       TEXT PRIMARY KEY,
  emas_app_key  BIGINT NOT NULL UNIQUE
);

CREATE TABLE emas_deferred (
  message_id   BIGINT PRIMARY KEY,
  app_key      TEXT NOT NULL,
  kind         TEXT NOT NULL,
  run_at       BIGINT,
  push         TEXT NOT NULL,
  state        TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  note         TEXT,
  lease_until  BIGINT
);
CREATE INDEX emas_deferred_due ON emas_deferred (run_at) WHERE state = 'pending';
CREATE INDEX emas_deferred_settled ON emas_deferred (created_at) WHERE state <> 'pending';

CREATE TABLE emas_idempotency (
  app_key     TEXT NOT NULL,
  token       TEXT NOT NULL,
  result      TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  PRIMARY KEY (app_key, token)
);
CREATE INDEX emas_idempotency_by_age ON emas_idempotency (created_at);
`;
