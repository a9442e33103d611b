import type { MigrationBuilder } from 'node-pg-migrate';

// Vendor relay queue (PostgreSQL): one row per slice of a push's targets, written in the push's
// own transaction; a claim is a lease (claimed_by, lease_until) taken with FOR UPDATE SKIP
// LOCKED, so nodes sharing the database never relay a slice at once. Vendor results per push
// and channel as bitmaps, and badge counts per device for JPush's "+N" badges.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE relay_queue (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    msg_id       BIGINT NOT NULL,
    app_key      TEXT COLLATE "C" NOT NULL,
    lo           BIGINT NOT NULL,
    hi           BIGINT NOT NULL,
    nums         BYTEA,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      BIGINT NOT NULL,
    claimed_by   TEXT COLLATE "C",
    lease_until  BIGINT
  );
  CREATE INDEX relay_queue_due ON relay_queue (next_at, id);
  CREATE INDEX relay_queue_by_push ON relay_queue (msg_id);
  CREATE INDEX relay_queue_by_claimant ON relay_queue (claimed_by) WHERE claimed_by IS NOT NULL;

  CREATE TABLE relay_receipts (
    msg_id   BIGINT NOT NULL,
    channel  TEXT COLLATE "C" NOT NULL,
    sent     BYTEA NOT NULL,
    failed   BYTEA NOT NULL,
    dead     BYTEA NOT NULL,
    PRIMARY KEY (msg_id, channel)
  );

  CREATE TABLE device_badges (
    app_key  TEXT COLLATE "C" NOT NULL,
    num      BIGINT NOT NULL,
    badge    INTEGER NOT NULL,
    PRIMARY KEY (app_key, num)
  );
  `);
}
