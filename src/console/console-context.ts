import type { FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import type { AppRecord } from '../store/types.js';
import { consoleErrors } from './errors.js';
import { LoginLimiter } from './login-limiter.js';
import { ConsoleSessions, userOf } from './session.js';

/** What every console route works with: the node's services, sessions, sign-in limits, the audit log. */
export interface ConsoleContext {
  ctx: ServerContext;
  sessions: ConsoleSessions;
  limiter: LoginLimiter;
  /** Records an action of the request's operator (or of `operator`, for sign-ins). */
  audit(request: FastifyRequest, action: string, what?: { appKey?: string; target?: string; detail?: unknown; operator?: string }): Promise<void>;
}

export function consoleContext(ctx: ServerContext): ConsoleContext {
  const c = ctx.config.console;
  return {
    ctx,
    sessions: new ConsoleSessions(ctx.store.console, { sessionMs: c.sessionHours * 3_600_000, secure: ctx.config.tls !== null }),
    limiter: new LoginLimiter(c.loginAttempts, c.loginWindowSeconds * 1000),
    async audit(request, action, what = {}) {
      await ctx.store.console.audit({
        at: Date.now(),
        operator: what.operator ?? userOf(request).operator.name,
        action,
        appKey: what.appKey ?? null,
        target: what.target ?? null,
        detail: what.detail === undefined ? null : JSON.stringify(what.detail).slice(0, 2000),
        ip: request.ip,
      });
    },
  };
}

/** The JSON object body of a request, or 9006. */
export function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw consoleErrors.invalid('the body must be a JSON object');
  return body as Record<string, unknown>;
}

export function text(body: Record<string, unknown>, key: string, { max = 200, optional = false } = {}): string | undefined {
  const v = body[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > max || v.includes('\0')) throw consoleErrors.invalid(`${key}: a string of 1 to ${max} characters, without NUL`);
  return v;
}

/** A non-negative integer, or null to clear it (undefined when absent). */
export function countOrNull(body: Record<string, unknown>, key: string): number | null | undefined {
  const v = body[key];
  if (v === undefined || v === null) return v;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > 1e9) throw consoleErrors.invalid(`${key}: an integer 0..1000000000 or null`);
  return v;
}

/** `?limit=` for pages: 1..max, default `fallback`. */
export function limitOf(raw: unknown, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw !== 'string' || !/^[0-9]{1,4}$/.test(raw)) throw consoleErrors.invalid(`limit: an integer 1..${max}`);
  const n = Number(raw);
  if (n < 1 || n > max) throw consoleErrors.invalid(`limit: an integer 1..${max}`);
  return n;
}

export function query(request: FastifyRequest): Record<string, unknown> {
  return (request.query ?? {}) as Record<string, unknown>;
}

/** The app the route's `:app_key` names (the session guard has checked the operator may see it), or 9007. */
export async function routeApp(ctx: ServerContext, request: FastifyRequest): Promise<AppRecord> {
  const { app_key: appKey } = request.params as { app_key: string };
  const record = await ctx.apps.get(appKey);
  if (!record) throw consoleErrors.notFound(`app ${appKey}`);
  return record;
}
