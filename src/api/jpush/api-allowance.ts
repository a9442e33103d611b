import type { ServerContext } from '../../context.js';
import { errors } from '../../domain/errors.js';

/**
 * The per-minute call allowances JPush gives the Schedule API (100) and the File API (20,
 * shared with file pushes and file schedules), on top of the app's general request limit.
 * Counted per app (or group); 0 turns one off.
 */
export function takeAllowance(ctx: ServerContext, family: 'schedules' | 'files', ownerKey: string): void {
  const limit = ctx.config[family].requestsPerMinute;
  if (limit === 0) return;
  if (!ctx.rateLimiter.hit(`${family}:${ownerKey}`, limit, 60).allowed) {
    throw errors.rateLimited(`the ${family === 'files' ? 'File' : 'Schedule'} API allows ${limit} calls a minute`);
  }
}
