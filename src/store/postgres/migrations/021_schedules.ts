import type { MigrationBuilder } from 'node-pg-migrate';

// Schedules (PostgreSQL): each with its next trigger instant; one run row per firing, keyed
// (schedule, instant), written in the transaction that moves the schedule on, so an instant
// fires at most once across nodes. claimed_by names the node firing it.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE schedules (
    schedule_id  TEXT COLLATE "C" PRIMARY KEY,
    app_key      TEXT COLLATE "C" NOT NULL,
    name         TEXT NOT NULL,
    enabled      BOOLEAN NOT NULL,
    kind         TEXT COLLATE "C" NOT NULL,
    trigger      TEXT NOT NULL,
    push         TEXT NOT NULL,
    cid          TEXT COLLATE "C" UNIQUE,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    next_at      BIGINT,
    deleted_at   BIGINT
  );
  CREATE INDEX schedules_by_app ON schedules (app_key, created_at) WHERE deleted_at IS NULL;
  CREATE INDEX schedules_due ON schedules (next_at) WHERE deleted_at IS NULL AND next_at IS NOT NULL;

  CREATE TABLE schedule_runs (
    schedule_id    TEXT COLLATE "C" NOT NULL,
    fire_at        BIGINT NOT NULL,
    claimed_at     BIGINT NOT NULL,
    claimed_by     TEXT COLLATE "C",
    msg_id         BIGINT,
    error_code     INTEGER,
    error_message  TEXT,
    done_at        BIGINT,
    PRIMARY KEY (schedule_id, fire_at)
  );
  CREATE INDEX schedule_runs_unfinished ON schedule_runs (claimed_at) WHERE done_at IS NULL;
  CREATE INDEX schedule_runs_done ON schedule_runs (fire_at) WHERE done_at IS NOT NULL;
  `);
}
