import type { MigrationBuilder } from 'node-pg-migrate';

// Apps, accepted pushes with their target sets, receipt bitmaps, per-device inboxes and cids.
// Times are epoch milliseconds (BIGINT); bitmaps are portable roaring bitmaps (BYTEA). Keys that
// are sorted or compared use the "C" collation, so order is by bytes as in the SQLite store.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE apps (
    app_key            TEXT COLLATE "C" PRIMARY KEY,
    name               TEXT NOT NULL,
    secret_hash        BYTEA NOT NULL,
    created_at         BIGINT NOT NULL,
    rate_limit         INTEGER,
    rate_window        INTEGER,
    broadcast_per_day  INTEGER
  );

  CREATE TABLE pushes (
    msg_id         BIGINT PRIMARY KEY,
    app_key        TEXT COLLATE "C" NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    broadcast      BOOLEAN NOT NULL,
    body           TEXT NOT NULL,
    targets        BYTEA NOT NULL,
    target_count   INTEGER NOT NULL,
    -- true when the push's targets were written to inbox rows (narrow pushes)
    inbox          BOOLEAN NOT NULL DEFAULT false,
    revoked_at     BIGINT,
    overridden_by  BIGINT
  );
  CREATE INDEX pushes_broadcast_by_app ON pushes (app_key, created_at) WHERE broadcast;
  CREATE INDEX pushes_by_expiry ON pushes (expires_at);

  -- one row a push: devices sent to, acknowledged, clicked, told to withdraw. Nodes merge
  -- (OR) their bitmaps into it, never overwrite.
  CREATE TABLE push_receipts (
    msg_id     BIGINT PRIMARY KEY,
    sent       BYTEA NOT NULL,
    acked      BYTEA NOT NULL,
    clicked    BYTEA NOT NULL,
    withdrawn  BYTEA
  );

  CREATE TABLE inbox (
    app_key     TEXT COLLATE "C" NOT NULL,
    num         INTEGER NOT NULL,
    msg_id      BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (app_key, num, msg_id)
  );
  CREATE INDEX inbox_by_expiry ON inbox (expires_at);

  CREATE TABLE cids (
    cid        TEXT COLLATE "C" PRIMARY KEY,
    app_key    TEXT COLLATE "C" NOT NULL,
    type       TEXT NOT NULL,
    issued_at  BIGINT NOT NULL,
    msg_id     BIGINT,
    sendno     TEXT,
    used_at    BIGINT
  );
  CREATE INDEX cids_by_issue ON cids (issued_at);
  `);
}
