/** Roles of console operators, each allowed what the one before it is, and more. */
export const CONSOLE_ROLES = ['viewer', 'operator', 'admin'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/** A person who signs in to the web console. */
export interface OperatorRecord {
  name: string;
  /** A PHC string (argon2id). */
  passwordHash: string;
  role: ConsoleRole;
  /** The apps the operator may see and act on; null: every app. */
  apps: string[] | null;
  createdAt: number;
  disabledAt: number | null;
}

export type OperatorPatch = Partial<Pick<OperatorRecord, 'passwordHash' | 'role' | 'apps' | 'disabledAt'>>;

/** A signed-in browser. `id` is a digest of the cookie's token, never the token itself. */
export interface ConsoleSessionRecord {
  id: string;
  operator: string;
  /** The anti-CSRF token the page sends back in a header on every change. */
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

/** One console action: who did what, when, to which app and object. */
export interface AuditEntry {
  id: number;
  at: number;
  operator: string;
  action: string;
  appKey: string | null;
  target: string | null;
  /** Short JSON with what was changed (never secrets). */
  detail: string | null;
  ip: string | null;
}

export interface AuditFilter {
  operator?: string;
  appKey?: string;
  action?: string;
  /** Entries with a smaller id than this (paging backwards); undefined: from the newest. */
  before?: number;
  limit: number;
}

/** One row of the push history. */
export interface PushSummary {
  msgId: string;
  appKey: string;
  createdAt: number;
  expiresAt: number;
  targetCount: number;
  revokedAt: number | null;
  /** The stored push object (JSON). */
  body: string;
}

export interface PushPageQuery {
  appKey: string;
  /** Pushes with a smaller msg_id (paging backwards); null: from the newest. */
  before: string | null;
  limit: number;
  /** Text the push's content must contain (case-insensitive for ASCII). */
  text?: string;
}

/** What the web console keeps: operators, sessions, the audit log; and its push history reads. */
export interface ConsoleStore {
  /** false when the name is taken. */
  createOperator(operator: OperatorRecord): Promise<boolean>;
  operator(name: string): Promise<OperatorRecord | undefined>;
  operators(): Promise<OperatorRecord[]>;
  countOperators(): Promise<number>;
  updateOperator(name: string, patch: OperatorPatch): Promise<boolean>;
  createSession(session: ConsoleSessionRecord): Promise<void>;
  session(id: string): Promise<ConsoleSessionRecord | undefined>;
  deleteSession(id: string): Promise<void>;
  /** Sessions of one operator end (password change, disabling); returns how many. */
  deleteSessionsOf(operator: string): Promise<number>;
  deleteExpiredSessions(now: number): Promise<number>;
  audit(entry: Omit<AuditEntry, 'id'>): Promise<void>;
  /** Newest first. */
  auditPage(filter: AuditFilter): Promise<AuditEntry[]>;
  /** One app's pushes, newest first, and how many match in all. */
  pushPage(query: PushPageQuery): Promise<{ pushes: PushSummary[]; total: number }>;
}
