import type { MigrationBuilder } from 'node-pg-migrate';

// Devices with their dense per-app numbers, tag memberships, and the per-app number counter
// (its row is locked by each registration, so numbers are handed out without gaps or repeats).
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE devices (
    app_key          TEXT COLLATE "C" NOT NULL,
    num              INTEGER NOT NULL,
    registration_id  TEXT COLLATE "C" NOT NULL UNIQUE,
    platform         TEXT NOT NULL,
    secret_hash      BYTEA NOT NULL,
    alias            TEXT COLLATE "C",
    mobile           TEXT,
    account          TEXT COLLATE "C",
    tokens           TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    last_online_at   BIGINT,
    PRIMARY KEY (app_key, num)
  );
  CREATE INDEX devices_by_alias ON devices (app_key, alias) WHERE alias IS NOT NULL;
  CREATE INDEX devices_by_account ON devices (app_key, account) WHERE account IS NOT NULL;
  CREATE INDEX devices_by_last_online ON devices (app_key, last_online_at) WHERE last_online_at IS NOT NULL;
  CREATE INDEX devices_by_created ON devices (app_key, created_at);

  CREATE TABLE device_tags (
    app_key  TEXT COLLATE "C" NOT NULL,
    tag      TEXT COLLATE "C" NOT NULL,
    num      INTEGER NOT NULL,
    PRIMARY KEY (app_key, tag, num)
  );
  CREATE INDEX device_tags_by_device ON device_tags (app_key, num);

  CREATE TABLE device_numbers (
    app_key   TEXT COLLATE "C" PRIMARY KEY,
    next_num  INTEGER NOT NULL
  );
  `);
}
