import type { MigrationBuilder } from 'node-pg-migrate';

// Devices a vendor's quota sent back to the own connection, per push and channel.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('ALTER TABLE relay_receipts ADD COLUMN fallback BYTEA;');
}
