import type { ConsoleStore } from '../console-types.js';
import { appsColumn, clauses, containsPattern, toAudit, toOperator, toPushSummary } from '../console-rows.js';
import { type Db, type Row } from './db.js';

/** Console operators, sessions, audit log and push history on PostgreSQL. */
export function postgresConsoleStore(db: Db): ConsoleStore {
  const conditions = (pairs: [string, unknown][]) => {
    const { clauses: where, values } = clauses(pairs, (n) => `$${n}`);
    return { where, values };
  };
  return {
    async createOperator(o) {
      const r = await db.query(
        `INSERT INTO console_operators (name, password_hash, role, apps, created_at, disabled_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING`,
        [o.name, o.passwordHash, o.role, appsColumn(o.apps), o.createdAt, o.disabledAt],
      );
      return r.rowCount === 1;
    },
    async operator(name) {
      const { rows } = await db.query('SELECT * FROM console_operators WHERE name = $1', [name]);
      return rows[0] ? toOperator(rows[0] as Row) : undefined;
    },
    async operators() {
      const { rows } = await db.query('SELECT * FROM console_operators ORDER BY name');
      return (rows as Row[]).map(toOperator);
    },
    async countOperators() {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM console_operators');
      return Number(rows[0]?.n ?? 0);
    },
    async updateOperator(name, patch) {
      const { where: sets, values } = conditions([
        ['password_hash = ?', patch.passwordHash],
        ['role = ?', patch.role],
        ['apps = ?', patch.apps === undefined ? undefined : appsColumn(patch.apps)],
        ['disabled_at = ?', patch.disabledAt],
      ]);
      if (sets.length === 0) return (await db.query('SELECT 1 FROM console_operators WHERE name = $1', [name])).rowCount === 1;
      const r = await db.query(`UPDATE console_operators SET ${sets.join(', ')} WHERE name = $${values.length + 1}`, [...values, name]);
      return r.rowCount === 1;
    },
    async createSession(x) {
      await db.query('INSERT INTO console_sessions (id, operator, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
        x.id,
        x.operator,
        x.csrf,
        x.createdAt,
        x.expiresAt,
      ]);
    },
    async session(id) {
      const { rows } = await db.query('SELECT * FROM console_sessions WHERE id = $1', [id]);
      const row = rows[0] as Row | undefined;
      if (!row) return undefined;
      return { id, operator: row.operator as string, csrf: row.csrf as string, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) };
    },
    async deleteSession(id) {
      await db.query('DELETE FROM console_sessions WHERE id = $1', [id]);
    },
    async deleteSessionsOf(operator) {
      return (await db.query('DELETE FROM console_sessions WHERE operator = $1', [operator])).rowCount ?? 0;
    },
    async deleteExpiredSessions(now) {
      return (await db.query('DELETE FROM console_sessions WHERE expires_at <= $1', [now])).rowCount ?? 0;
    },
    async audit(e) {
      await db.query('INSERT INTO console_audit (at, operator, action, app_key, target, detail, ip) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        e.at,
        e.operator,
        e.action,
        e.appKey,
        e.target,
        e.detail,
        e.ip,
      ]);
    },
    async auditPage(f) {
      const { where, values } = conditions([
        ['operator = ?', f.operator],
        ['app_key = ?', f.appKey],
        ['action = ?', f.action],
        ['id < ?', f.before],
      ]);
      const sql = `SELECT * FROM console_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${values.length + 1}`;
      const { rows } = await db.query(sql, [...values, f.limit]);
      return (rows as Row[]).map(toAudit);
    },
    async pushPage(q) {
      const filter = conditions([
        ['app_key = ?', q.appKey],
        ["body ILIKE ? ESCAPE '\\'", q.text ? containsPattern(q.text) : undefined],
      ]);
      const counted = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pushes WHERE ${filter.where.join(' AND ')}`, filter.values);
      const page = conditions([
        ['app_key = ?', q.appKey],
        ["body ILIKE ? ESCAPE '\\'", q.text ? containsPattern(q.text) : undefined],
        ['msg_id < ?', q.before ?? undefined],
      ]);
      const { rows } = await db.query(
        `SELECT msg_id::text AS msg_id, app_key, created_at, expires_at, target_count, revoked_at, body FROM pushes
         WHERE ${page.where.join(' AND ')} ORDER BY msg_id DESC LIMIT $${page.values.length + 1}`,
        [...page.values, q.limit],
      );
      return { pushes: (rows as Row[]).map(toPushSummary), total: Number(counted.rows[0]?.n ?? 0) };
    },
  };
}
