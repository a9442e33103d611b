import type { MigrationBuilder } from 'node-pg-migrate';

// UMS message templates (content: channel → message object with {{name}} placeholders) and
// per-channel settings (sensitive words, do-not-disturb window, VIP) as one JSON row.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE ums_templates (
    template_id  BIGINT PRIMARY KEY,
    name         TEXT NOT NULL,
    general      BOOLEAN NOT NULL,
    enabled      BOOLEAN NOT NULL,
    content      TEXT NOT NULL,
    created_at   BIGINT NOT NULL
  );
  CREATE TABLE ums_channel_settings (
    channel_key  TEXT COLLATE "C" PRIMARY KEY,
    settings     TEXT NOT NULL
  );
  `);
}
