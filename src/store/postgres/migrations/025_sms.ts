import type { MigrationBuilder } from 'node-pg-migrate';

// SMS supplement (PostgreSQL): each app's gateway account; one job per push with an
// sms_message, written with the push (lease_until: the node running it, so two nodes do not
// run one job at once); one row per device an SMS was claimed for, before the gateway is
// called, then marked with its answer: the primary key makes a claim happen once.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE app_sms (
    app_key     TEXT COLLATE "C" PRIMARY KEY,
    endpoint    TEXT NOT NULL,
    key         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    sign_id     BIGINT,
    updated_at  BIGINT NOT NULL
  );
  CREATE TABLE sms_jobs (
    msg_id       BIGINT PRIMARY KEY,
    app_key      TEXT COLLATE "C" NOT NULL,
    due_at       BIGINT NOT NULL,
    finished_at  BIGINT,
    skipped      INTEGER NOT NULL DEFAULT 0,
    note         TEXT,
    lease_until  BIGINT
  );
  CREATE INDEX sms_jobs_due ON sms_jobs (due_at) WHERE finished_at IS NULL;
  CREATE INDEX sms_jobs_finished ON sms_jobs (finished_at) WHERE finished_at IS NOT NULL;
  CREATE TABLE sms_sends (
    msg_id      BIGINT NOT NULL,
    num         BIGINT NOT NULL,
    app_key     TEXT COLLATE "C" NOT NULL,
    mobile      TEXT NOT NULL,
    state       TEXT COLLATE "C" NOT NULL,
    result      TEXT,
    claimed_at  BIGINT NOT NULL,
    done_at     BIGINT,
    PRIMARY KEY (msg_id, num)
  );
  `);
}
