/**
 * Schema of the embedded store, one entry per version. Applied in order inside a transaction;
 * `user_version` records how far a database file has come.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: apps, pushes, cids
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
    body        TEXT NOT NULL,
    -- the resolved target set: a portable roaring bitmap of device numbers
    targets     BLOB NOT NULL,
    target_count INTEGER NOT NULL,
    revoked_at  INTEGER,
    overridden_by INTEGER
  );
  CREATE INDEX pushes_broadcast_by_app ON pushes (app_key, created_at) WHERE broadcast = 1;
  CREATE INDEX pushes_by_expiry ON pushes (expires_at);

  -- what happened to a push, as bitmaps of device numbers, one row a push: frames handed to
  -- a device's connection, acknowledged (received), clicked, and holders told to withdraw it
  CREATE TABLE push_receipts (
    msg_id     INTEGER PRIMARY KEY,
    sent       BLOB NOT NULL,
    acked      BLOB NOT NULL,
    clicked    BLOB NOT NULL,
    withdrawn  BLOB
  );

  -- receipt batches waiting to be POSTed to a callback URL; deleted once delivered
  CREATE TABLE callback_queue (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    app_key     TEXT NOT NULL,
    url         TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    last_error  TEXT
  );
  CREATE INDEX callback_queue_due ON callback_queue (next_at);

  -- callback URLs an app registered; a push may only name one of these (1018 otherwise)
  CREATE TABLE app_callback_urls (
    app_key     TEXT NOT NULL,
    url         TEXT NOT NULL,
    is_default  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (app_key, url)
  );

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
  // 2: devices, their tags, and the per-app counter of dense device numbers
  `
  CREATE TABLE devices (
    app_key          TEXT NOT NULL,
    num              INTEGER NOT NULL,
    registration_id  TEXT NOT NULL UNIQUE,
    platform         TEXT NOT NULL,
    secret_hash      BLOB NOT NULL,
    alias            TEXT,
    mobile           TEXT,
    tokens           TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    last_online_at   INTEGER,
    PRIMARY KEY (app_key, num)
  ) WITHOUT ROWID;
  CREATE INDEX devices_by_alias ON devices (app_key, alias) WHERE alias IS NOT NULL;

  CREATE TABLE device_tags (
    app_key  TEXT NOT NULL,
    tag      TEXT NOT NULL,
    num      INTEGER NOT NULL,
    PRIMARY KEY (app_key, tag, num)
  ) WITHOUT ROWID;
  CREATE INDEX device_tags_by_device ON device_tags (app_key, num);

  CREATE TABLE device_numbers (
    app_key   TEXT PRIMARY KEY,
    next_num  INTEGER NOT NULL
  );
  `,
  // 3: receipt callbacks: which receipt types each registered URL takes (bit mask: 1 received,
  // 2 clicked, 4 not delivered, 8 sent), one default URL per app, and per-receiver queue lookups
  `
  ALTER TABLE app_callback_urls ADD COLUMN types INTEGER NOT NULL DEFAULT 15;
  CREATE UNIQUE INDEX app_callback_urls_one_default ON app_callback_urls (app_key) WHERE is_default = 1;
  CREATE INDEX callback_queue_by_receiver ON callback_queue (app_key, url, next_at);
  `,
  // 4: per-device inboxes for narrow pushes, so an offline device's pushes wait on disk, not
  // in memory. pushes.inbox = 1 when the push's targets were written here; older pushes (0)
  // are kept in memory as before.
  `
  ALTER TABLE pushes ADD COLUMN inbox INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE inbox (
    app_key     TEXT NOT NULL,
    num         INTEGER NOT NULL,
    msg_id      INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (app_key, num, msg_id)
  ) WITHOUT ROWID;
  CREATE INDEX inbox_by_expiry ON inbox (expires_at);
  `,
  // 5: device accounts (EMAS binds one user account per device; pushes may target accounts)
  `
  ALTER TABLE devices ADD COLUMN account TEXT;
  CREATE INDEX devices_by_account ON devices (app_key, account) WHERE account IS NOT NULL;
  `,
  // 6: EMAS OpenAPI: AccessKey pairs per app (the secret is kept as issued: HMAC-SHA1 signatures
  // can only be checked with it), each app's numeric EMAS AppKey, scheduled (PushTime) and
  // continuous (Target=TBD) pushes waiting for their time or their targets, IdempotentTokens
  `
  CREATE TABLE access_keys (
    access_key_id  TEXT PRIMARY KEY,
    app_key        TEXT NOT NULL,
    secret         TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    disabled_at    INTEGER
  );
  CREATE INDEX access_keys_by_app ON access_keys (app_key);

  CREATE TABLE emas_apps (
    app_key       TEXT PRIMARY KEY,
    emas_app_key  INTEGER NOT NULL UNIQUE
  );

  CREATE TABLE emas_deferred (
    message_id  INTEGER PRIMARY KEY,
    app_key     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    run_at      INTEGER,
    push        TEXT NOT NULL,
    state       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    note        TEXT
  );
  CREATE INDEX emas_deferred_due ON emas_deferred (run_at) WHERE state = 'pending';

  CREATE TABLE emas_idempotency (
    app_key     TEXT NOT NULL,
    token       TEXT NOT NULL,
    result      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (app_key, token)
  ) WITHOUT ROWID;
  `,
];
