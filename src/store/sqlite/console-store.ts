import type Database from 'better-sqlite3';
import type { ConsoleStore } from '../console-types.js';
import { containsPattern, toAudit, toOperator, toPushSummary, type Row } from '../console-rows.js';

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
      const apps = o.apps === null ? null : JSON.stringify(o.apps);
      return s.insertOperator.run(o.name, o.passwordHash, o.role, apps, o.createdAt, o.disabledAt).changes === 1;
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
      const sets: string[] = [];
      const values: unknown[] = [];
      if (patch.passwordHash !== undefined) {
        sets.push('password_hash = ?');
        values.push(patch.passwordHash);
      }
      if (patch.role !== undefined) {
        sets.push('role = ?');
        values.push(patch.role);
      }
      if (patch.apps !== undefined) {
        sets.push('apps = ?');
        values.push(patch.apps === null ? null : JSON.stringify(patch.apps));
      }
      if (patch.disabledAt !== undefined) {
        sets.push('disabled_at = ?');
        values.push(patch.disabledAt);
      }
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
      const where: string[] = [];
      const values: unknown[] = [];
      if (f.operator !== undefined) {
        where.push('operator = ?');
        values.push(f.operator);
      }
      if (f.appKey !== undefined) {
        where.push('app_key = ?');
        values.push(f.appKey);
      }
      if (f.action !== undefined) {
        where.push('action = ?');
        values.push(f.action);
      }
      if (f.before !== undefined) {
        where.push('id < ?');
        values.push(f.before);
      }
      const sql = `SELECT * FROM console_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
      return (db.prepare(sql).all(...values, f.limit) as Row[]).map(toAudit);
    },
    async pushPage(q) {
      const where = ['app_key = ?'];
      const values: unknown[] = [q.appKey];
      if (q.text) {
        where.push("body LIKE ? ESCAPE '\\'");
        values.push(containsPattern(q.text));
      }
      const total = Number(db.prepare(`SELECT count(*) FROM pushes WHERE ${where.join(' AND ')}`).pluck().get(...values));
      if (q.before !== null) {
        where.push('msg_id < ?');
        values.push(BigInt(q.before));
      }
      const rows = db
        .prepare(
          `SELECT msg_id, app_key, created_at, expires_at, target_count, revoked_at, body FROM pushes
           WHERE ${where.join(' AND ')} ORDER BY msg_id DESC LIMIT ?`,
        )
        .safeIntegers(true)
        .all(...values, q.limit) as Row[];
      return { pushes: rows.map(toPushSummary), total };
    },
  };
}
