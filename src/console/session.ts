import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConsoleRole, ConsoleStore, OperatorRecord } from '../store/console-types.js';
import { consoleErrors } from './errors.js';
import { appAllowed, roleAllows } from './operators.js';

export const SESSION_COOKIE = 'borealis_console';
/** The page sends the session's anti-CSRF token back in this header on every change. */
export const CSRF_HEADER = 'x-csrf-token';
/** Cookies and the API live under this path only. */
export const CONSOLE_PATH = '/console';

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** The store keeps a digest of the cookie's token: a copy of the database opens no session. */
export function sessionId(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface SignedIn {
  operator: OperatorRecord;
  sessionId: string;
  csrf: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The console operator of this request (set by the console's session check). */
    consoleUser: SignedIn | null;
  }
}

export interface SessionSettings {
  sessionMs: number;
  /** Secure cookies: the server speaks TLS. */
  secure: boolean;
}

/** Sessions in an HttpOnly, SameSite=Strict cookie scoped to /console; the CSRF token in a header. */
export class ConsoleSessions {
  constructor(
    private readonly store: ConsoleStore,
    private readonly settings: SessionSettings,
  ) {}

  async open(reply: FastifyReply, operator: OperatorRecord): Promise<SignedIn> {
    const token = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const now = Date.now();
    const id = sessionId(token);
    await this.store.createSession({ id, operator: operator.name, csrf, createdAt: now, expiresAt: now + this.settings.sessionMs });
    reply.header('set-cookie', this.cookie(token, Math.floor(this.settings.sessionMs / 1000)));
    return { operator, sessionId: id, csrf };
  }

  async close(reply: FastifyReply, signedIn: SignedIn | null): Promise<void> {
    if (signedIn) await this.store.deleteSession(signedIn.sessionId);
    reply.header('set-cookie', this.cookie('', 0));
  }

  /** The signed-in operator, or undefined (no cookie, an ended session, a disabled operator). */
  async current(request: FastifyRequest): Promise<SignedIn | undefined> {
    const token = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (!token || token.length > 100) return undefined;
    const id = sessionId(token);
    const session = await this.store.session(id);
    if (!session || session.expiresAt <= Date.now()) return undefined;
    const operator = await this.store.operator(session.operator);
    if (!operator || operator.disabledAt !== null) return undefined;
    return { operator, sessionId: id, csrf: session.csrf };
  }

  /**
   * preHandler: a session (9001), the anti-CSRF header on anything but GET (9002), and the
   * role the route needs (9003).
   */
  guard(needed: ConsoleRole) {
    return async (request: FastifyRequest) => {
      const signedIn = await this.current(request);
      if (!signedIn) throw consoleErrors.signedOut();
      if (!SAFE_METHODS.has(request.method) && !tokenMatches(request.headers[CSRF_HEADER], signedIn.csrf)) throw consoleErrors.csrf();
      if (!roleAllows(signedIn.operator.role, needed)) throw consoleErrors.forbidden(`needs the ${needed} role`);
      request.consoleUser = signedIn;
      // no store keeps a NUL in text (PostgreSQL refuses it): such input is wrong, not a failure
      if (hasNul(request.params) || hasNul(request.query)) throw consoleErrors.invalid('the URL holds a NUL character');
      const appKey = (request.params as { app_key?: string } | undefined)?.app_key;
      if (appKey !== undefined && !appAllowed(signedIn.operator, appKey)) throw consoleErrors.forbidden(`app ${appKey}`);
    };
  }

  private cookie(value: string, maxAge: number): string {
    const secure = this.settings.secure ? '; Secure' : '';
    return `${SESSION_COOKIE}=${value}; Path=${CONSOLE_PATH}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`;
  }
}

function hasNul(values: unknown): boolean {
  if (typeof values !== 'object' || values === null) return false;
  return Object.values(values).some((v) => (typeof v === 'string' ? v.includes('\0') : Array.isArray(v) && v.some((x) => typeof x === 'string' && x.includes('\0'))));
}

function tokenMatches(sent: string | string[] | undefined, expected: string): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The operator of a guarded request. */
export function userOf(request: FastifyRequest): SignedIn {
  if (!request.consoleUser) throw consoleErrors.signedOut();
  return request.consoleUser;
}
