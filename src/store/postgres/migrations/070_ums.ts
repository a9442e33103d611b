import type { MigrationBuilder } from 'node-pg-migrate';

// Unified messaging (UMS v1) on PostgreSQL, the same tables as on SQLite: channels and
// AccessKeys, users with their bindings, user lists and segments, send policies, messages with
// one job row per step and user (the durable work and the trace), the pushes that carried app
// steps, callback URLs with their queue of records, and uploaded materials. Ids compare
// byte-wise (COLLATE "C") so paging by user id orders as on SQLite.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE ums_channels (
    channel_key        TEXT COLLATE "C" PRIMARY KEY,
    name               TEXT NOT NULL,
    secret_hash        BYTEA NOT NULL,
    secret_sealed      BYTEA NOT NULL,
    app_key            TEXT COLLATE "C",
    enabled            BOOLEAN NOT NULL,
    owner_required     BOOLEAN NOT NULL,
    broadcast_per_day  INTEGER,
    created_at         BIGINT NOT NULL
  );
  CREATE TABLE ums_access_keys (
    access_key   TEXT COLLATE "C" PRIMARY KEY,
    secret_hash  BYTEA NOT NULL,
    enabled      BOOLEAN NOT NULL,
    created_at   BIGINT NOT NULL
  );
  CREATE TABLE ums_credentials (
    channel_key  TEXT COLLATE "C" NOT NULL,
    channel      TEXT COLLATE "C" NOT NULL,
    sealed       BYTEA NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (channel_key, channel)
  );
  CREATE TABLE ums_users (
    userid      TEXT COLLATE "C" PRIMARY KEY,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
  );
  CREATE TABLE ums_bindings (
    userid   TEXT COLLATE "C" NOT NULL,
    kind     TEXT COLLATE "C" NOT NULL,
    bind_id  TEXT COLLATE "C" NOT NULL,
    value    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (userid, kind, bind_id, value)
  );
  CREATE INDEX ums_bindings_by_value ON ums_bindings (kind, value, bind_id);
  CREATE TABLE ums_lists (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind     TEXT COLLATE "C" NOT NULL,
    name     TEXT NOT NULL,
    userids  TEXT NOT NULL
  );
  CREATE TABLE ums_segments (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    definition  TEXT NOT NULL
  );
  CREATE TABLE ums_policies (
    rule_id     BIGINT PRIMARY KEY,
    name        TEXT NOT NULL,
    enabled     BOOLEAN NOT NULL,
    steps       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
  );
  CREATE TABLE ums_messages (
    msgid         TEXT COLLATE "C" PRIMARY KEY,
    channel_key   TEXT COLLATE "C" NOT NULL,
    kind          TEXT COLLATE "C" NOT NULL,
    body          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    retracted_at  BIGINT
  );
  CREATE INDEX ums_messages_broadcasts ON ums_messages (channel_key, created_at) WHERE kind = 'broadcast';
  CREATE TABLE ums_jobs (
    msgid         TEXT COLLATE "C" NOT NULL,
    step          INTEGER NOT NULL,
    target        TEXT COLLATE "C" NOT NULL,
    channel       TEXT COLLATE "C" NOT NULL,
    priority      INTEGER NOT NULL,
    due_at        BIGINT NOT NULL,
    state         TEXT COLLATE "C" NOT NULL,
    addresses     TEXT NOT NULL,
    push_msg_id   TEXT COLLATE "C",
    note          TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    done_at       BIGINT,
    delivered_at  BIGINT,
    clicked_at    BIGINT,
    PRIMARY KEY (msgid, step, target)
  );
  CREATE INDEX ums_jobs_due ON ums_jobs (priority, due_at) WHERE state = 'pending';
  CREATE INDEX ums_jobs_by_push ON ums_jobs (push_msg_id, target) WHERE push_msg_id IS NOT NULL;
  CREATE TABLE ums_app_pushes (
    push_msg_id  TEXT COLLATE "C" PRIMARY KEY,
    msgid        TEXT COLLATE "C" NOT NULL,
    step         INTEGER NOT NULL
  );
  CREATE INDEX ums_app_pushes_by_message ON ums_app_pushes (msgid);
  CREATE TABLE ums_callback_urls (
    channel_key  TEXT COLLATE "C" NOT NULL,
    url          TEXT COLLATE "C" NOT NULL,
    is_default   BOOLEAN NOT NULL,
    types        INTEGER NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (channel_key, url)
  );
  CREATE TABLE ums_callback_queue (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url          TEXT NOT NULL,
    channel_key  TEXT COLLATE "C" NOT NULL,
    record       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      BIGINT NOT NULL
  );
  CREATE INDEX ums_callback_queue_due ON ums_callback_queue (next_at);
  CREATE TABLE ums_materials (
    id            TEXT COLLATE "C" PRIMARY KEY,
    channel_key   TEXT COLLATE "C" NOT NULL,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    data          BYTEA NOT NULL,
    expires_at    BIGINT NOT NULL
  );
  CREATE INDEX ums_materials_by_expiry ON ums_materials (expires_at);
  `);
}
