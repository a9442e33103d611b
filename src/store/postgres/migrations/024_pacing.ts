import type { MigrationBuilder } from 'node-pg-migrate';

// Paced pushes (big_push_duration), PostgreSQL: how far each has released its targets.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE paced_pushes (
    msg_id       BIGINT PRIMARY KEY,
    app_key      TEXT COLLATE "C" NOT NULL,
    released     BIGINT NOT NULL,
    last_num     BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    finished_at  BIGINT
  );
  `);
}
