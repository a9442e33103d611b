/**
 * Schema of the embedded store, one entry per version. Applied in order inside a transaction;
 * `user_version` records how far a database file has come.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE apps (
    app_key            TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    secret_hash        BLOB NOT NULL,
    created_at         INTEGER NOT NULL,
    rate_limit         INTEGER,
    rate_window        INTEGER,
    broadcast_per_day  INTEGER
  );

  CREATE TABLE pushes (
    msg_id      INTEGER PRIMARY KEY,
    app_key     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    broadcast   INTEGER NOT NULL,
    body        TEXT NOT NULL
  );
  CREATE INDEX pushes_broadcast_by_app ON pushes (app_key, created_at) WHERE broadcast = 1;

  CREATE TABLE cids (
    cid        TEXT PRIMARY KEY,
    app_key    TEXT NOT NULL,
    type       TEXT NOT NULL,
    issued_at  INTEGER NOT NULL,
    msg_id     INTEGER,
    sendno     TEXT,
    used_at    INTEGER
  );
  `,
];
