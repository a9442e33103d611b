import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` in one transaction on a connection of its own: committed when it resolves,
 * rolled back when it throws. The connection goes back to the pool either way.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * msg_ids arrive from clients as strings: a plain positive 64-bit integer is passed on as
 * text, anything else as -1, which matches no row.
 */
export function msgIdParam(msgId: string): string {
  if (!/^[1-9][0-9]{0,18}$/.test(msgId)) return '-1';
  return BigInt(msgId) <= 2n ** 63n - 1n ? msgId : '-1';
}

/** Epoch-ms columns are BIGINT, which the driver hands back as text. */
export function num(v: unknown): number {
  return Number(v);
}

export function numOrNull(v: unknown): number | null {
  return v == null ? null : Number(v);
}

export type Row = Record<string, unknown>;
