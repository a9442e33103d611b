import type { AuditEntry, ConsoleRole, OperatorRecord, PushSummary } from './console-types.js';

/** Rows of the console tables, as both stores read them. */
export type Row = Record<string, unknown>;

/** LIKE pattern for "contains `text`", with the wildcards in it taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function toOperator(row: Row): OperatorRecord {
  return {
    name: row.name as string,
    passwordHash: row.password_hash as string,
    role: row.role as ConsoleRole,
    apps: row.apps === null ? null : (JSON.parse(row.apps as string) as string[]),
    createdAt: Number(row.created_at),
    disabledAt: row.disabled_at === null ? null : Number(row.disabled_at),
  };
}

export function toAudit(row: Row): AuditEntry {
  return {
    id: Number(row.id),
    at: Number(row.at),
    operator: row.operator as string,
    action: row.action as string,
    appKey: (row.app_key as string | null) ?? null,
    target: (row.target as string | null) ?? null,
    detail: (row.detail as string | null) ?? null,
    ip: (row.ip as string | null) ?? null,
  };
}

export function toPushSummary(row: Row): PushSummary {
  return {
    msgId: String(row.msg_id),
    appKey: row.app_key as string,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    targetCount: Number(row.target_count),
    revokedAt: row.revoked_at === null || row.revoked_at === undefined ? null : Number(row.revoked_at),
    body: row.body as string,
  };
}


/**
 * The clauses (`column = ?`) of the pairs whose value is defined, and their values in order;
 * `placeholder(n)` writes the n-th parameter (`?` for SQLite, `$n` for PostgreSQL).
 */
export function clauses(pairs: [clause: string, value: unknown][], placeholder: (n: number) => string, offset = 0): { clauses: string[]; values: unknown[] } {
  const out: string[] = [];
  const values: unknown[] = [];
  for (const [clause, value] of pairs) {
    if (value === undefined) continue;
    values.push(value);
    out.push(clause.replace('?', placeholder(offset + values.length)));
  }
  return { clauses: out, values };
}

/** The `apps` column: JSON of the app keys, or null for every app. */
export function appsColumn(apps: readonly string[] | null): string | null {
  return apps === null ? null : JSON.stringify(apps);
}
