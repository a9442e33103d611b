import type { MigrationBuilder } from 'node-pg-migrate';

// Callback URLs apps registered (types: 1 received, 2 clicked, 4 not delivered, 8 sent; one
// default per app) and the durable queue of receipt batches bound for them. A node claims a
// batch by moving its next_at past the send (a lease), so no two nodes send it.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE app_callback_urls (
    app_key     TEXT COLLATE "C" NOT NULL,
    url         TEXT COLLATE "C" NOT NULL,
    is_default  BOOLEAN NOT NULL DEFAULT false,
    types       INTEGER NOT NULL DEFAULT 15,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (app_key, url)
  );
  CREATE UNIQUE INDEX app_callback_urls_one_default ON app_callback_urls (app_key) WHERE is_default;

  CREATE TABLE callback_queue (
    id          BIGSERIAL PRIMARY KEY,
    app_key     TEXT COLLATE "C" NOT NULL,
    url         TEXT COLLATE "C" NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     BIGINT NOT NULL,
    last_error  TEXT
  );
  CREATE INDEX callback_queue_due ON callback_queue (next_at, id);
  CREATE INDEX callback_queue_by_receiver ON callback_queue (app_key, url, next_at);
  CREATE INDEX callback_queue_by_age ON callback_queue (created_at);
  `);
}
