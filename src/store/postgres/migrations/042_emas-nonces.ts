import type { MigrationBuilder } from 'node-pg-migrate';

// EMAS SignatureNonces, shared by every node on the database: a nonce is used up by the first
// correctly signed request that carries it, until it expires (twice the Timestamp window).
// The nonce is kept as its UTF-8 bytes: a caller may sign any text, NUL included.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE emas_nonces (
    access_key_id  TEXT COLLATE "C" NOT NULL,
    nonce          BYTEA NOT NULL,
    expires_at     BIGINT NOT NULL,
    PRIMARY KEY (access_key_id, nonce)
  );
  CREATE INDEX emas_nonces_by_expiry ON emas_nonces (expires_at);
  `);
}
