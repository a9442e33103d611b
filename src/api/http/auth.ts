import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, errors } from '../../domain/errors.js';
import type { ServerContext } from '../../context.js';
import type { AppRecord } from '../../store/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The app authenticated by HTTP Basic credentials (set by requireApp). */
    appRecord: AppRecord | null;
  }
}

/** Splits `Basic base64(appKey:masterSecret)`; anything else yields undefined. */
export function parseBasicAuth(header: string | undefined): { user: string; secret: string } | undefined {
  if (!header || header.length > 512) return undefined;
  const m = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** Error codes an API family uses for authentication failures (the Device API has its own). */
export interface AuthCodes {
  /** No usable Authorization header. */
  missing: number;
  /** Credentials that do not match. */
  failed: number;
}

export const PUSH_AUTH_CODES: AuthCodes = { missing: 1004, failed: 1004 };
export const DEVICE_AUTH_CODES: AuthCodes = { missing: 7001, failed: 7004 };

/**
 * preHandler for the app-authenticated APIs: HTTP Basic with appKey:masterSecret (HTTP 401
 * with the family's code otherwise), then the app's request allowance (2002 / 429 past it,
 * with JPush's headers).
 */
export function requireApp(ctx: ServerContext, codes: AuthCodes = PUSH_AUTH_CODES) {
  const admit = (request: FastifyRequest, reply: FastifyReply, app: AppRecord | undefined): void => {
    if (!app) throw new ApiError(codes.failed, 'Authen failed', 401);
    request.appRecord = app;

    const limits = ctx.config.limits;
    const decision = ctx.rateLimiter.hit(
      app.appKey,
      app.rateLimit ?? limits.requestsPerWindow,
      app.rateWindow ?? limits.windowSeconds,
    );
    if (decision.limit > 0) {
      reply.header('X-Rate-Limit-Limit', decision.limit);
      reply.header('X-Rate-Limit-Quota', decision.limit); // the older docs' name for the same figure
      reply.header('X-Rate-Limit-Remaining', decision.remaining);
      reply.header('X-Rate-Limit-Reset', decision.resetSeconds);
    }
    if (!decision.allowed) throw errors.rateLimited();
  };
  // Callback style, not async: with the app cached (nearly always) the hook finishes without
  // a promise, which is measurable at push-accept rates.
  return function (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void {
    try {
      const creds = parseBasicAuth(request.headers.authorization);
      if (!creds) throw new ApiError(codes.missing, 'Authen failed: missing or malformed Basic authorization', 401);
      const found = ctx.apps.authenticate(creds.user, creds.secret);
      if (!(found instanceof Promise)) {
        admit(request, reply, found);
        return done();
      }
      found.then(
        (app) => {
          try {
            admit(request, reply, app);
          } catch (err) {
            return done(err as Error);
          }
          done();
        },
        (err: unknown) => done(err as Error),
      );
    } catch (err) {
      done(err as Error);
    }
  };
}

/** The authenticated app of a request behind requireApp. */
export function appOf(request: FastifyRequest): AppRecord {
  const app = request.appRecord;
  if (!app) throw errors.auth();
  return app;
}

type CallbackHook = ReturnType<typeof requireApp>;

/** Runs a callback-style hook as a promise, for handlers that authenticate after routing themselves. */
export function runHook(hook: CallbackHook, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  return new Promise((resolve, reject) => hook(request, reply, (err) => (err ? reject(err) : resolve())));
}
