import { fileURLToPath } from 'node:url';

/**
 * Where the schema's migrations live: one file per feature area, named `NNN_area.ts` (the
 * number prefix orders them; files without one are refused) and exporting
 * `up(pgm: MigrationBuilder)`. The core stores use 001-009; other features take 010 and up.
 * The build compiles them next to this module, so `dist/` ships them; under tsx the .ts
 * sources load directly.
 */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

/** Table recording which migrations a database has had. */
export const MIGRATIONS_TABLE = 'borealis_migrations';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Brings the database's schema up to date. Nodes starting together take turns (an advisory
 * lock, waited for), so each migration runs once.
 */
export async function migrateUp(url: string): Promise<void> {
  // loaded only when a PostgreSQL store opens: SQLite nodes and CLI commands skip its startup cost
  const { runner } = await import('node-pg-migrate');
  await runner({
    databaseUrl: url,
    dir: MIGRATIONS_DIR,
    // compiled output also holds source maps; dot files are editor leftovers
    ignorePattern: '(\\..*|.*\\.map|.*\\.d\\.ts)',
    migrationsTable: MIGRATIONS_TABLE,
    direction: 'up',
    count: Infinity,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    logger: silent,
  });
}
