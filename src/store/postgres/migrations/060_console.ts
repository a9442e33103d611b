import type { MigrationBuilder } from 'node-pg-migrate';

// Web console (PostgreSQL): operators (argon2id PHC strings), sessions (a digest of each
// cookie's token) and the audit log of every console action.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE console_operators (
    name           TEXT COLLATE "C" PRIMARY KEY,
    password_hash  TEXT NOT NULL,
    role           TEXT COLLATE "C" NOT NULL,
    apps           TEXT,
    created_at     BIGINT NOT NULL,
    disabled_at    BIGINT
  );
  CREATE TABLE console_sessions (
    id          TEXT COLLATE "C" PRIMARY KEY,
    operator    TEXT COLLATE "C" NOT NULL,
    csrf        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
  );
  CREATE INDEX console_sessions_by_operator ON console_sessions (operator);
  CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);
  CREATE TABLE console_audit (
    id        BIGSERIAL PRIMARY KEY,
    at        BIGINT NOT NULL,
    operator  TEXT COLLATE "C" NOT NULL,
    action    TEXT COLLATE "C" NOT NULL,
    app_key   TEXT COLLATE "C",
    target    TEXT,
    detail    TEXT,
    ip        TEXT
  );
  CREATE INDEX console_audit_by_operator ON console_audit (operator, id);
  CREATE INDEX console_audit_by_app ON console_audit (app_key, id);
  `);
}
