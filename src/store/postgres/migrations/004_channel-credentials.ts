import type { MigrationBuilder } from 'node-pg-migrate';

// App credentials per vendor channel, sealed (AES-256-GCM) before they reach the store.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE channel_credentials (
    app_key     TEXT COLLATE "C" NOT NULL,
    channel     TEXT COLLATE "C" NOT NULL,
    sealed      BYTEA NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (app_key, channel)
  );
  `);
}
