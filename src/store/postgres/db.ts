import pg from 'pg';
import { StoreInputRejected } from '../store-errors.js';

/** Anything that runs a query: the pool, or one client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = Row>(sql: string, params?: readonly unknown[]): Promise<pg.QueryResult<R>>;
}

export type Row = Record<string, unknown>;

/**
 * The connection pool, gated on the schema: every query waits until the migrations ran (they
 * start with the pool), so a store can be handed out before it is ready.
 */
export class Db implements Queryable {
  readonly pool: pg.Pool;
  private ready: Promise<void> = Promise.resolve();

  constructor(url: string, poolSize: number) {
    this.pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: 'borealis' });
    // an idle client losing its connection (server restart) must not crash the process; the
    // pool drops it and the next query opens a new one
    this.pool.on('error', () => {});
  }

  /** Queries wait for `step` (the migrations) first, and fail with its error if it failed. */
  gate(step: Promise<void>): void {
    this.ready = step;
    step.catch(() => {}); // surfaced by the queries that wait on it
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  async query<R extends pg.QueryResultRow = Row>(sql: string, params?: readonly unknown[]): Promise<pg.QueryResult<R>> {
    await this.ready;
    return this.pool.query<R>(sql, params as unknown[] | undefined).catch(rejectedInput);
  }

  /**
   * A query run as a named prepared statement: each pooled connection parses and plans it once
   * and then only binds and executes it (for the hot statements of the accept path).
   */
  async prepared<R extends pg.QueryResultRow = Row>(name: string, sql: string, params: readonly unknown[]): Promise<pg.QueryResult<R>> {
    await this.ready;
    return this.pool.query<R>({ name, text: sql, values: params as unknown[] }).catch(rejectedInput);
  }

  /** Runs `work` in one transaction on one connection; rolled back if it throws. */
  async tx<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    await this.ready;
    const client = await this.pool.connect();
    const queryable: Queryable = {
      query: <R extends pg.QueryResultRow = Row>(sql: string, params?: readonly unknown[]) =>
        client.query<R>(sql, params as unknown[] | undefined).catch(rejectedInput),
    };
    try {
      await client.query('BEGIN');
      const result = await work(queryable);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** BIGINT columns arrive as strings (they may exceed 2^53); epoch-ms values fit a number. */
export function num(v: unknown): number {
  return Number(v);
}

export function numOrNull(v: unknown): number | null {
  return v == null ? null : Number(v);
}

/** msg_ids arrive from clients as strings; anything not a plain positive int64 matches nothing. */
const INT64_MAX = 2n ** 63n - 1n;
export function msgIdParam(msgId: string): string {
  if (!/^[1-9][0-9]{0,18}$/.test(msgId)) return '-1';
  return BigInt(msgId) <= INT64_MAX ? msgId : '-1';
}

/**
 * PostgreSQL text cannot hold NUL (SQLite's can): a value with one, from any client input,
 * becomes `StoreInputRejected`, which the APIs answer as invalid input rather than a 500.
 */
function rejectedInput(err: unknown): never {
  const code = (err as { code?: unknown })?.code;
  if (code === '22021' || code === '22P05') throw new StoreInputRejected((err as Error).message);
  throw err;
}
