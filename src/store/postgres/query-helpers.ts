import type { Queryable, Row } from './db.js';

/** The first row of a query's answer, if any. */
export async function firstRow(q: Queryable, sql: string, args: readonly unknown[] = []): Promise<Row | undefined> {
  return (await q.query(sql, args)).rows[0];
}

/** A query answering one row with a count in column `n`. */
export async function countOf(q: Queryable, sql: string, args: readonly unknown[] = []): Promise<number> {
  return Number((await firstRow(q, sql, args))?.n ?? 0);
}

/** Rows a statement changed. */
export async function changes(q: Queryable, sql: string, args: readonly unknown[] = []): Promise<number> {
  return (await q.query(sql, args)).rowCount ?? 0;
}
