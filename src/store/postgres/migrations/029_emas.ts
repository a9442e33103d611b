import type { MigrationBuilder } from 'node-pg-migrate';

// EMAS OpenAPI tables (PostgreSQL): AccessKey pairs (the secret sealed with the credentials
// key: HMAC-SHA1 signatures need it back), each app's numeric EMAS AppKey, pushes waiting for their
// PushTime or targets (lease_until: the node firing a due one), and IdempotentTokens.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE access_keys (
    access_key_id  TEXT COLLATE "C" PRIMARY KEY,
    app_key        TEXT COLLATE "C" NOT NULL,
    secret         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    disabled_at    BIGINT
  );
  CREATE INDEX access_keys_by_app ON access_keys (app_key);

  CREATE TABLE emas_apps (
    app_key       TEXT COLLATE "C" PRIMARY KEY,
    emas_app_key  BIGINT NOT NULL UNIQUE
  );

  CREATE TABLE emas_deferred (
    message_id   BIGINT PRIMARY KEY,
    app_key      TEXT COLLATE "C" NOT NULL,
    kind         TEXT COLLATE "C" NOT NULL,
    run_at       BIGINT,
    push         TEXT NOT NULL,
    state        TEXT COLLATE "C" NOT NULL,
    created_at   BIGINT NOT NULL,
    note         TEXT,
    lease_until  BIGINT
  );
  CREATE INDEX emas_deferred_due ON emas_deferred (run_at) WHERE state = 'pending';
  CREATE INDEX emas_deferred_settled ON emas_deferred (created_at) WHERE state <> 'pending';

  CREATE TABLE emas_idempotency (
    app_key     TEXT COLLATE "C" NOT NULL,
    token       TEXT COLLATE "C" NOT NULL,
    result      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (app_key, token)
  );
  CREATE INDEX emas_idempotency_by_age ON emas_idempotency (created_at);
  `);
}
