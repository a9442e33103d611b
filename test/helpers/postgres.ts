import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL server tests create their databases on (a role allowed to CREATE DATABASE).
 * `.ci/run` starts a local server when none is up.
 */
export const PG_ADMIN_URL = process.env.BOREALIS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  /** URL of the new, empty database. */
  url: string;
  /** Drops the database (connections still open to it are ended). */
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Databases older than this are left over from runs that were killed before their drop. */
const LEFTOVER_AGE_S = 24 * 3600;
let leftoversSwept = false;

/**
 * Drops test databases that a killed or timed-out run left behind (names carry their creation
 * time in seconds), once per process. Best effort: a database another run still uses is a day
 * younger than the cut-off, and a failure here never fails a test.
 */
async function sweepLeftovers(client: pg.Client): Promise<void> {
  if (leftoversSwept) return;
  leftoversSwept = true;
  const cutoff = Math.floor(Date.now() / 1000) - LEFTOVER_AGE_S;
  try {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ '^borealis_test_[0-9]+_[0-9a-f]+$'`);
    for (const { datname } of rows) {
      if (Number(datname.split('_')[2]) < cutoff) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
    }
  } catch {
    // another run may be sweeping too; nothing here matters to the test
  }
}

/** A database of its own for one test file or suite, so test runs in parallel never meet. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `borealis_test_${Math.floor(Date.now() / 1000)}_${randomBytes(6).toString('hex')}`;
  await admin(async (c) => {
    await sweepLeftovers(c);
    await c.query(`CREATE DATABASE ${name}`);
  });
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}
