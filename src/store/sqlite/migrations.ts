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
  // 5 (schedules, files, group push): schedules with their next trigger time and one row per
  // firing (the primary key makes a trigger instant fire at most once); uploaded files of
  // registration ids or aliases, one row per distinct value; app groups for group push.
  `
  CREATE TABLE schedules (
    schedule_id  TEXT PRIMARY KEY,
    app_key      TEXT NOT NULL,
    name         TEXT NOT NULL,
    enabled      INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    trigger      TEXT NOT NULL,
    push         TEXT NOT NULL,
    cid          TEXT UNIQUE,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    -- the next trigger instant (epoch ms); NULL once the schedule has no trigger left (expired)
    next_at      INTEGER,
    deleted_at   INTEGER
  );
  CREATE INDEX schedules_by_app ON schedules (app_key, created_at) WHERE deleted_at IS NULL;
  CREATE INDEX schedules_due ON schedules (next_at) WHERE deleted_at IS NULL AND next_at IS NOT NULL;

  CREATE TABLE schedule_runs (
    schedule_id  TEXT NOT NULL,
    fire_at      INTEGER NOT NULL,
    claimed_at   INTEGER NOT NULL,
    msg_id       INTEGER,
    error_code   INTEGER,
    error_message TEXT,
    done_at      INTEGER,
    PRIMARY KEY (schedule_id, fire_at)
  ) WITHOUT ROWID;
  CREATE INDEX schedule_runs_unfinished ON schedule_runs (claimed_at) WHERE done_at IS NULL;

  CREATE TABLE files (
    file_id     TEXT PRIMARY KEY,
    owner_key   TEXT NOT NULL,
    type        TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    value_count INTEGER NOT NULL DEFAULT 0,
    -- 0 while the upload streams in; only ready files are listed or pushed to
    ready       INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX files_by_owner ON files (owner_key, created_at);
  CREATE TABLE file_values (
    file_id  TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (file_id, value)
  ) WITHOUT ROWID;

  CREATE TABLE app_groups (
    group_key    TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    secret_hash  BLOB NOT NULL,
    created_at   INTEGER NOT NULL
  );
  CREATE TABLE app_group_members (
    group_key  TEXT NOT NULL,
    app_key    TEXT NOT NULL,
    PRIMARY KEY (group_key, app_key)
  ) WITHOUT ROWID;
  `,
  // 6: paced pushes (big_push_duration): how far each has been released, by count of targets
  // and the last device number released, so a restart resumes without repeating or skipping
  `
  CREATE TABLE paced_pushes (
    msg_id       INTEGER PRIMARY KEY,
    app_key      TEXT NOT NULL,
    released     INTEGER NOT NULL,
    last_num     INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    finished_at  INTEGER
  );
  `,
  // 7: segments and A/B tests: saved audience expressions of an app (definitions as JSON), and
  // when devices were last seen, for "active in the last N days"
  `
  CREATE TABLE segments (
    app_key     TEXT NOT NULL,
    segment_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    definition  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (app_key, segment_id)
  ) WITHOUT ROWID;
  CREATE TABLE abtests (
    app_key     TEXT NOT NULL,
    abtest_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    segment_id  TEXT,
    definition  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (app_key, abtest_id)
  ) WITHOUT ROWID;
  CREATE INDEX devices_by_last_online ON devices (app_key, last_online_at) WHERE last_online_at IS NOT NULL;
  `,
  // 8: /v3/users: which devices were connected in each hour, day and month (a bitmap of device
  // numbers per app and period), and new devices by registration time
  `
  CREATE TABLE device_activity (
    app_key  TEXT NOT NULL,
    unit     TEXT NOT NULL,
    period   INTEGER NOT NULL,
    devices  BLOB NOT NULL,
    PRIMARY KEY (app_key, unit, period)
  ) WITHOUT ROWID;
  CREATE INDEX devices_by_created ON devices (app_key, created_at);
  `,
  // 9: SMS supplement (sms_message): each app's SMS gateway account; one job per push with an
  // sms_message, written with the push and due delay_time after it; one row per device an SMS
  // was claimed for (before the gateway is called), then marked with the gateway's answer
  `
  CREATE TABLE app_sms (
    app_key     TEXT PRIMARY KEY,
    endpoint    TEXT NOT NULL,
    key         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    sign_id     INTEGER,
    updated_at  INTEGER NOT NULL
  );
  CREATE TABLE sms_jobs (
    msg_id       INTEGER PRIMARY KEY,
    app_key      TEXT NOT NULL,
    due_at       INTEGER NOT NULL,
    finished_at  INTEGER,
    skipped      INTEGER NOT NULL DEFAULT 0,
    note         TEXT
  );
  CREATE INDEX sms_jobs_due ON sms_jobs (due_at) WHERE finished_at IS NULL;
  CREATE TABLE sms_sends (
    msg_id      INTEGER NOT NULL,
    num         INTEGER NOT NULL,
    app_key     TEXT NOT NULL,
    mobile      TEXT NOT NULL,
    state       TEXT NOT NULL,
    result      TEXT,
    claimed_at  INTEGER NOT NULL,
    done_at     INTEGER,
    PRIMARY KEY (msg_id, num)
  ) WITHOUT ROWID;
  `,
  // 10: retention (old pushes, cids and callback batches deleted in small batches): finds
  // expired cids and stale callback batches by age without scanning their tables
  `
  CREATE INDEX IF NOT EXISTS cids_by_issue ON cids (issued_at);
  CREATE INDEX IF NOT EXISTS callback_queue_by_age ON callback_queue (created_at);
  `,
  // 11: device accounts (EMAS binds one user account per device; pushes may target accounts)
  `
  ALTER TABLE devices ADD COLUMN account TEXT;
  CREATE INDEX devices_by_account ON devices (app_key, account) WHERE account IS NOT NULL;
  `,
  // 12: EMAS OpenAPI: AccessKey pairs per app (the secret is kept as issued: HMAC-SHA1 signatures
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
  // 13: vendor channels (APNs, FCM, Web Push). App credentials per channel, sealed with
  // AES-256-GCM; the durable relay queue, one row per slice of a push's targets (a device-number
  // range of the target set, or an explicit bitmap for devices to retry), written in the push's
  // own transaction; relay results per push and channel as bitmaps; badge counts kept per device
  // for JPush's "+N" badges.
  `
  CREATE TABLE channel_credentials (
    app_key     TEXT NOT NULL,
    channel     TEXT NOT NULL,
    sealed      BLOB NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (app_key, channel)
  ) WITHOUT ROWID;

  CREATE TABLE relay_queue (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    msg_id    INTEGER NOT NULL,
    app_key   TEXT NOT NULL,
    lo        INTEGER NOT NULL,
    hi        INTEGER NOT NULL,
    nums      BLOB,
    attempts  INTEGER NOT NULL DEFAULT 0,
    next_at   INTEGER NOT NULL
  );
  CREATE INDEX relay_queue_due ON relay_queue (next_at);
  CREATE INDEX relay_queue_by_push ON relay_queue (msg_id);

  CREATE TABLE relay_receipts (
    msg_id   INTEGER NOT NULL,
    channel  TEXT NOT NULL,
    sent     BLOB NOT NULL,
    failed   BLOB NOT NULL,
    dead     BLOB NOT NULL,
    PRIMARY KEY (msg_id, channel)
  ) WITHOUT ROWID;

  CREATE TABLE device_badges (
    app_key  TEXT NOT NULL,
    num      INTEGER NOT NULL,
    badge    INTEGER NOT NULL,
    PRIMARY KEY (app_key, num)
  ) WITHOUT ROWID;
  `,
  // 14: retention of per-push work (finished SMS jobs, settled EMAS deferred pushes, old schedule
  // runs, used EMAS IdempotentTokens): finds old finished rows by age without scanning their tables
  `
  CREATE INDEX IF NOT EXISTS sms_jobs_finished ON sms_jobs (finished_at) WHERE finished_at IS NOT NULL;
  CREATE INDEX IF NOT EXISTS emas_deferred_settled ON emas_deferred (created_at) WHERE state <> 'pending';
  CREATE INDEX IF NOT EXISTS schedule_runs_done ON schedule_runs (fire_at) WHERE done_at IS NOT NULL;
  CREATE INDEX IF NOT EXISTS emas_idempotency_by_age ON emas_idempotency (created_at);
  `,
  // 15: Live Activity update / end: each running activity's own APNs push token, registered by the
  // device under the activity's live_activity_id (per app, per device).
  `
  CREATE TABLE live_activity_tokens (
    app_key      TEXT NOT NULL,
    activity_id  TEXT NOT NULL,
    num          INTEGER NOT NULL,
    token        TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (app_key, activity_id, num)
  ) WITHOUT ROWID;
  `,
  // relay leases and claimants (several nodes on one database): a relay slice carries the node
  // that claimed it and until when; a schedule run the node that claimed it, so a node starting
  // fails only its own interrupted runs
  `
  ALTER TABLE relay_queue ADD COLUMN claimed_by TEXT;
  ALTER TABLE relay_queue ADD COLUMN lease_until INTEGER;
  ALTER TABLE schedule_runs ADD COLUMN claimed_by TEXT;
  `,
  // Vendor channels II: receipts from vendors name a device by its token (one partial index per
  // vendor that sends receipts), per-channel received / clicked figures, and each app's daily
  // use of each vendor's quota.
  `
  CREATE INDEX devices_token_huawei ON devices (app_key, json_extract(tokens, '$.huawei')) WHERE json_extract(tokens, '$.huawei') IS NOT NULL;
  CREATE INDEX devices_token_honor ON devices (app_key, json_extract(tokens, '$.honor')) WHERE json_extract(tokens, '$.honor') IS NOT NULL;
  CREATE INDEX devices_token_xiaomi ON devices (app_key, json_extract(tokens, '$.xiaomi')) WHERE json_extract(tokens, '$.xiaomi') IS NOT NULL;
  CREATE INDEX devices_token_oppo ON devices (app_key, json_extract(tokens, '$.oppo')) WHERE json_extract(tokens, '$.oppo') IS NOT NULL;
  CREATE INDEX devices_token_vivo ON devices (app_key, json_extract(tokens, '$.vivo')) WHERE json_extract(tokens, '$.vivo') IS NOT NULL;
  CREATE INDEX devices_token_meizu ON devices (app_key, json_extract(tokens, '$.meizu')) WHERE json_extract(tokens, '$.meizu') IS NOT NULL;
  CREATE INDEX devices_token_hmos ON devices (app_key, json_extract(tokens, '$.hmos')) WHERE json_extract(tokens, '$.hmos') IS NOT NULL;
  ALTER TABLE relay_receipts ADD COLUMN received BLOB;
  ALTER TABLE relay_receipts ADD COLUMN clicked BLOB;
  CREATE TABLE vendor_quota_use (
    app_key        TEXT NOT NULL,
    channel        TEXT NOT NULL,
    category       TEXT NOT NULL,
    day            TEXT NOT NULL,
    used           INTEGER NOT NULL DEFAULT 0,
    learned_limit  INTEGER,
    PRIMARY KEY (app_key, channel, category, day)
  ) WITHOUT ROWID;
  CREATE INDEX vendor_quota_by_day ON vendor_quota_use (day);
  `,
  // unified messaging (UMS v1): channels and AccessKeys, users and their bindings, user lists
  // and segments, send policies, messages with one job row per step and user (the trace), the
  // pushes that carried app steps, callback URLs and queued records, uploaded materials.
  `
  CREATE TABLE ums_channels (
    channel_key        TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    secret_hash        BLOB NOT NULL,
    secret_sealed      BLOB NOT NULL,
    app_key            TEXT,
    enabled            INTEGER NOT NULL,
    owner_required     INTEGER NOT NULL,
    broadcast_per_day  INTEGER,
    created_at         INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE ums_access_keys (
    access_key   TEXT PRIMARY KEY,
    secret_hash  BLOB NOT NULL,
    enabled      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE ums_credentials (
    channel_key  TEXT NOT NULL,
    channel      TEXT NOT NULL,
    sealed       BLOB NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (channel_key, channel)
  ) WITHOUT ROWID;
  CREATE TABLE ums_users (
    userid      TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE ums_bindings (
    userid   TEXT NOT NULL,
    kind     TEXT NOT NULL,
    bind_id  TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (userid, kind, bind_id, value)
  ) WITHOUT ROWID;
  CREATE INDEX ums_bindings_by_value ON ums_bindings (kind, value, bind_id);
  CREATE TABLE ums_lists (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    userids     TEXT NOT NULL
  );
  CREATE TABLE ums_segments (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    definition  TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE ums_policies (
    rule_id     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    enabled     INTEGER NOT NULL,
    steps       TEXT NOT NULL,
    created_at  INTEGER NOT NULL
  );
  CREATE TABLE ums_messages (
    msgid         TEXT PRIMARY KEY,
    channel_key   TEXT NOT NULL,
    kind          TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    retracted_at  INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX ums_messages_broadcasts ON ums_messages (channel_key, created_at) WHERE kind = 'broadcast';
  CREATE TABLE ums_jobs (
    msgid         TEXT NOT NULL,
    step          INTEGER NOT NULL,
    target        TEXT NOT NULL,
    channel       TEXT NOT NULL,
    priority      INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    state         TEXT NOT NULL,
    addresses     TEXT NOT NULL,
    push_msg_id   TEXT,
    note          TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    done_at       INTEGER,
    delivered_at  INTEGER,
    clicked_at    INTEGER,
    PRIMARY KEY (msgid, step, target)
  ) WITHOUT ROWID;
  CREATE INDEX ums_jobs_due ON ums_jobs (priority, due_at) WHERE state = 'pending';
  CREATE INDEX ums_jobs_by_push ON ums_jobs (push_msg_id, target) WHERE push_msg_id IS NOT NULL;
  CREATE TABLE ums_app_pushes (
    push_msg_id  TEXT PRIMARY KEY,
    msgid        TEXT NOT NULL,
    step         INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX ums_app_pushes_by_message ON ums_app_pushes (msgid);
  CREATE TABLE ums_callback_urls (
    channel_key  TEXT NOT NULL,
    url          TEXT NOT NULL,
    is_default   INTEGER NOT NULL,
    types        INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (channel_key, url)
  ) WITHOUT ROWID;
  CREATE TABLE ums_callback_queue (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    url          TEXT NOT NULL,
    channel_key  TEXT NOT NULL,
    record       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      INTEGER NOT NULL
  );
  CREATE INDEX ums_callback_queue_due ON ums_callback_queue (next_at);
  CREATE TABLE ums_materials (
    id            TEXT PRIMARY KEY,
    channel_key   TEXT NOT NULL,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    data          BLOB NOT NULL,
    expires_at    INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // Pushes of an app by time (EMAS push records and stats, reports by period).
  `
  CREATE INDEX pushes_by_app_created ON pushes (app_key, created_at);
  `,
  // EMAS SignatureNonces, shared by every node on the database: a nonce is used up by the first
  // correctly signed request that carries it, until it expires (twice the Timestamp window).
  `
  CREATE TABLE emas_nonces (
    access_key_id  TEXT NOT NULL,
    nonce          TEXT NOT NULL,
    expires_at     INTEGER NOT NULL,
    PRIMARY KEY (access_key_id, nonce)
  ) WITHOUT ROWID;
  CREATE INDEX emas_nonces_by_expiry ON emas_nonces (expires_at);
  `,
  // devices a vendor's quota sent back to the own connection, per push and channel
  `
  ALTER TABLE relay_receipts ADD COLUMN fallback BLOB;
  `,
  // UMS message templates (content: channel → message object with {{name}} placeholders) and
  // per-channel settings (sensitive words, do-not-disturb window, VIP) as one JSON row.
  `
  CREATE TABLE ums_templates (
    template_id  INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    general      INTEGER NOT NULL,
    enabled      INTEGER NOT NULL,
    content      TEXT NOT NULL,
    created_at   INTEGER NOT NULL
  );
  CREATE TABLE ums_channel_settings (
    channel_key  TEXT PRIMARY KEY,
    settings     TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  // console: operators, their sessions and the audit log of what they did
  `
  CREATE TABLE console_operators (
    name           TEXT PRIMARY KEY,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL,
    apps           TEXT,
    created_at     INTEGER NOT NULL,
    disabled_at    INTEGER
  ) WITHOUT ROWID;
  CREATE TABLE console_sessions (
    id          TEXT PRIMARY KEY,
    operator    TEXT NOT NULL,
    csrf        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX console_sessions_by_operator ON console_sessions (operator);
  CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);
  CREATE TABLE console_audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    operator  TEXT NOT NULL,
    action    TEXT NOT NULL,
    app_key   TEXT,
    target    TEXT,
    detail    TEXT,
    ip        TEXT
  );
  CREATE INDEX console_audit_by_operator ON console_audit (operator, id);
  CREATE INDEX console_audit_by_app ON console_audit (app_key, id);
  `,
  // the persisted audience index: a snapshot of its bitmaps, and a log of device and tag
  // changes after it, written by triggers so that no write path can leave it out
  `
  CREATE TABLE audience_changes (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    app_key  TEXT NOT NULL,
    num      INTEGER NOT NULL,
    tag      TEXT
  );
  CREATE TRIGGER audience_device_added AFTER INSERT ON devices BEGIN
    INSERT INTO audience_changes (app_key, num, tag) VALUES (NEW.app_key, NEW.num, NULL);
  END;
  CREATE TRIGGER audience_device_removed AFTER DELETE ON devices BEGIN
    INSERT INTO audience_changes (app_key, num, tag) VALUES (OLD.app_key, OLD.num, NULL);
  END;
  CREATE TRIGGER audience_device_moved AFTER UPDATE OF app_key, num, platform ON devices BEGIN
    INSERT INTO audience_changes (app_key, num, tag) VALUES (OLD.app_key, OLD.num, NULL), (NEW.app_key, NEW.num, NULL);
  END;
  CREATE TRIGGER audience_tag_added AFTER INSERT ON device_tags BEGIN
    INSERT INTO audience_changes (app_key, num, tag) VALUES (NEW.app_key, NEW.num, NEW.tag);
  END;
  CREATE TRIGGER audience_tag_removed AFTER DELETE ON device_tags BEGIN
    INSERT INTO audience_changes (app_key, num, tag) VALUES (OLD.app_key, OLD.num, OLD.tag);
  END;
  CREATE TRIGGER audience_tag_moved AFTER UPDATE ON device_tags BEGIN
    INSERT INTO audience_changes (app_key, num, tag) VALUES (OLD.app_key, OLD.num, OLD.tag), (NEW.app_key, NEW.num, NEW.tag);
  END;
  CREATE TABLE audience_snapshot (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    seq       INTEGER NOT NULL,
    data      BLOB NOT NULL,
    saved_at  INTEGER NOT NULL
  );
  `,
  // SignatureNonces as an append-only log (see emas-nonce-log.ts): a claim writes the log's last
  // page instead of a page at a random place in a table keyed by the nonce. Live nonces move over.
  `
  CREATE TABLE emas_nonce_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    access_key_id  TEXT NOT NULL,
    nonce          TEXT NOT NULL,
    expires_at     INTEGER NOT NULL
  );
  INSERT INTO emas_nonce_log (access_key_id, nonce, expires_at)
    SELECT access_key_id, nonce, expires_at FROM emas_nonces ORDER BY expires_at;
  DROP TABLE emas_nonces;
  `,
  // SignatureNonces appended a batch per row (see emas-nonce-log.ts): one row and one bound
  // value per commit instead of a row and three values per claim. Live claims move over.
  `
  CREATE TABLE emas_nonce_batches (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    expires_at  INTEGER NOT NULL,
    nonces      INTEGER NOT NULL,
    claims      TEXT NOT NULL
  );
  INSERT INTO emas_nonce_batches (expires_at, nonces, claims)
    SELECT expires_at, 1, json_array(json_array(access_key_id, nonce, expires_at)) FROM emas_nonce_log ORDER BY id;
  DROP TABLE emas_nonce_log;
  `,
  // The inbox's expiry index also orders by push. Keyed on the expiry alone, the entries of one
  // expiry (an EMAS campaign's ExpireTime, ...) sorted by device, so each push wrote a page per
  // target across that range; by push, a push's entries go at the end, as with rising expiries.
  `
  DROP INDEX inbox_by_expiry;
  CREATE INDEX inbox_by_expiry ON inbox (expires_at, msg_id);
  `,
];
