import type { MigrationBuilder } from 'node-pg-migrate';

// Pushes of an app by time (EMAS push records and stats, reports by period).
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('CREATE INDEX pushes_by_app_created ON pushes (app_key, created_at);');
}
