import type Database from 'better-sqlite3';
import type { ConsoleStore } from '../console-types.js';
import { appsColumn, clauses, containsPattern, toAudit, toOperator, toPushSummary, type Row } from '../console-rows.js';

const q = () => '?';

/** Console operators, sessions, audit log and push history on the embedded store. */
export function sqliteConsoleStore(db: Database.Database): ConsoleStore {
  const s = {
    insertOperator: db.prepare(
      'INSERT OR IGNORE INTO console_operators (name, password_hash, role, apps, created_at, disabled_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    operator: db.prepare('SELECT * FROM console_operators WHERE name = ?'),
    operators: db.prepare('SELECT * FROM console_operators ORDER BY name'),
    count: db.prepare('SELECT count(*) FROM console_operators').pluck(),
    insertSession: db.prepare('INSERT INTO console_sessions (id, operator, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)'),
    session: db.prepare('SELECT * FROM console_sessions WHERE id = ?'),
    deleteSession: db.prepare('DELETE FROM console_sessions WHERE id = ?'),
    deleteSessionsOf: db.prepare('DELETE FROM console_sessions WHERE operator = ?'),
    deleteExpired: db.prepare('DELETE FROM console_sessions WHERE expires_at <= ?'),
    audit: db.prepare('INSERT INTO console_audit (at, operator, action, app_key, target, detail, ip) VALUES (?, ?, ?, ?, ?, ?, ?)'),
  };
  return {
    async createOperator(o) {
      return s.insertOperator.run(o.name, o.passwordHash, o.role, appsColumn(o.apps), o.createdAt, o.disabledAt).changes === 1;
    },
    async operator(name) {
      const row = s.operator.get(name) as Row | undefined;
      return row ? toOperator(row) : undefined;
    },
    async operators() {
      return (s.operators.all() as Row[]).map(toOperator);
    },
    async countOperators() {
      return Number(s.count.get());
    },
    async updateOperator(name, patch) {
      const { clauses: sets, values } = clauses(
        [
          ['password_hash = ?', patch.passwordHash],
          ['role = ?', patch.role],
          ['apps = ?', patch.apps === undefined ? undefined : appsColumn(patch.apps)],
          ['disabled_at = ?', patch.disabledAt],
        ],
        q,
      );
      if (sets.length === 0) return s.operator.get(name) !== undefined;
      return db.prepare(`UPDATE console_operators SET ${sets.join(', ')} WHERE name = ?`).run(...values, name).changes === 1;
    },
    async createSession(x) {
      s.insertSession.run(x.id, x.operator, x.csrf, x.createdAt, x.expiresAt);
    },
    async session(id) {
      const row = s.session.get(id) as Row | undefined;
      if (!row) return undefined;
      return { id, operator: row.operator as string, csrf: row.csrf as string, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) };
    },
    async deleteSession(id) {
      s.deleteSession.run(id);
    },
    async deleteSessionsOf(operator) {
      return s.deleteSessionsOf.run(operator).changes;
    },
    async deleteExpiredSessions(now) {
      return s.deleteExpired.run(now).changes;
    },
    async audit(e) {
      s.audit.run(e.at, e.operator, e.action, e.appKey, e.target, e.detail, e.ip);
    },
    async auditPage(f) {
      const { clauses: where, values } = clauses(
        [
          ['operator = ?', f.operator],
          ['app_key = ?', f.appKey],
          ['action = ?', f.action],
          ['id < ?', f.before],
        ],
        q,
      );
      const sql = `SELECT * FROM console_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
      return (db.prepare(sql).all(...values, f.limit) as Row[]).map(toAudit);
    },
    async pushPage(page) {
      const text = page.text ? containsPattern(page.text) : undefined;
      const filter = clauses([['app_key = ?', page.appKey], ["body LIKE ? ESCAPE '\\'", text]], q);
      const total = Number(db.prepare(`SELECT count(*) FROM pushes WHERE ${filter.clauses.join(' AND ')}`).pluck().get(...filter.values));
      const { clauses: where, values } = clauses(
        [
          ['app_key = ?', page.appKey],
          ["body LIKE ? ESCAPE '\\'", text],
          ['msg_id < ?', page.before === null ? undefined : BigInt(page.before)],
        ],
        q,
      );
      const rows = db
        .prepare(
          `SELECT msg_id, app_key, created_at, expires_at, target_count, revoked_at, body FROM pushes
           WHERE ${where.join(' AND ')} ORDER BY msg_id DESC LIMIT ?`,
        )
        .safeIntegers(true)
        .all(...values, page.limit) as Row[];
      return { pushes: rows.map(toPushSummary), total };
    },
  };
}
