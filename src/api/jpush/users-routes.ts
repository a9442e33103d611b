import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerContext } from '../../context.js';
import { RoaringBitmap32 } from '../../audience/audience-index.js';
import { nextPeriod } from '../../devices/activity.js';
import { ApiError } from '../../domain/errors.js';
import { PLATFORMS } from '../../domain/push.js';
import type { ActivityUnit } from '../../store/activity-types.js';
import { appOf, requireApp } from '../http/auth.js';
import { toApiError } from '../http/errors.js';
import { REPORT_AUTH_CODES } from './report-routes.js';

interface UsersQuery {
  timeUnit: 'HOUR' | 'DAY' | 'MONTH';
  unit: ActivityUnit;
  /** As given, echoed in the answer. */
  startText: string;
  start: number;
  duration: number;
}

const FORMATS = {
  HOUR: { unit: 'hour', pattern: /^([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2})$/, maxDuration: 24 },
  DAY: { unit: 'day', pattern: /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/, maxDuration: 60 },
  MONTH: { unit: 'month', pattern: /^([0-9]{4})-([0-9]{2})$/, maxDuration: 2 },
} as const;
const ANY_START = [FORMATS.HOUR.pattern, FORMATS.DAY.pattern, FORMATS.MONTH.pattern];

const bad = (message: string) => new ApiError(3003, message);

/** `?time_unit=DAY&start=2024-06-10&duration=3`, as JPush documents it (times in UTC here). */
export function parseUsersQuery(query: unknown, now = Date.now()): UsersQuery {
  const q = (query ?? {}) as Record<string, unknown>;
  const rawUnit = q.time_unit;
  if (typeof rawUnit !== 'string') throw bad('time_unit is required: HOUR, DAY or MONTH');
  const timeUnit = rawUnit.toUpperCase();
  if (timeUnit !== 'HOUR' && timeUnit !== 'DAY' && timeUnit !== 'MONTH') throw bad('time_unit must be HOUR, DAY or MONTH');
  const format = FORMATS[timeUnit];
  const startText = q.start;
  if (typeof startText !== 'string') throw bad('start is required');
  const m = format.pattern.exec(startText);
  if (!m) {
    if (ANY_START.some((p) => p.test(startText))) throw new ApiError(3004, `start ${startText} does not match time_unit ${timeUnit}`);
    throw bad('start must be yyyy-mm-dd hh, yyyy-mm-dd or yyyy-mm');
  }
  const [y, mo, d = 1, h = 0] = m.slice(1).map(Number) as [number, number, number?, number?];
  const start = Date.UTC(y, mo - 1, d, h);
  const check = new Date(start);
  if (y < 1970 || check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || check.getUTCHours() !== h) {
    throw bad(`start ${startText} is not a valid time`);
  }
  const rawDuration = q.duration;
  if (typeof rawDuration !== 'string' || !/^[0-9]{1,4}$/.test(rawDuration) || Number(rawDuration) < 1) {
    throw bad('duration must be a positive integer');
  }
  const duration = Number(rawDuration);
  if (duration > format.maxDuration) throw new ApiError(3005, `duration exceeds ${format.maxDuration} for time_unit ${timeUnit}`);
  if (timeUnit === 'HOUR') {
    // hourly figures cover today only (UTC), as at JPush
    const today = now - (now % 86_400_000);
    if (start < today || start >= today + 86_400_000) throw bad('time_unit HOUR covers today only');
  }
  return { timeUnit, unit: format.unit, startText, start, duration };
}

function label(unit: ActivityUnit, ms: number): string {
  const iso = new Date(ms).toISOString();
  if (unit === 'hour') return `${iso.slice(0, 10)} ${iso.slice(11, 13)}`;
  return unit === 'day' ? iso.slice(0, 10) : iso.slice(0, 7);
}

/**
 * GET /v3/users: per period, new devices (registered then) and online devices (connected then,
 * from the activity bitmaps) per platform. Borealis sees connections, not app launches, so
 * `active` counts the same devices as `online`.
 */
export function registerUsersRoute(app: FastifyInstance, ctx: ServerContext): void {
  const auth = requireApp(ctx, REPORT_AUTH_CODES);
  app.route({
    method: 'GET',
    url: '/v3/users',
    preHandler: auth,
    errorHandler: (err: FastifyError, request: FastifyRequest) => {
      const apiError = toApiError(err, ctx.config.limits.bodyBytes);
      if (apiError.status >= 500) {
        request.log.error({ err }, 'users report failed');
        throw new ApiError(10, 'Server internal error');
      }
      throw apiError.code === 1003 ? bad(apiError.message) : apiError;
    },
    handler: async (request, reply) => {
      const owner = appOf(request);
      const q = parseUsersQuery(request.query);
      const platformSets = PLATFORMS.map((p) => ctx.index.platformSet(owner.appKey, [p]));
      const items = [];
      let at = q.start;
      for (let i = 0; i < q.duration; i++) {
        const next = nextPeriod(q.unit, at);
        const stored = await ctx.store.activity.get(owner.appKey, q.unit, at);
        const online = stored ? RoaringBitmap32.deserialize(stored, 'portable') : null;
        const created = await ctx.store.activity.newDevices(owner.appKey, at, next);
        const item: Record<string, unknown> = { time: label(q.unit, at) };
        PLATFORMS.forEach((p, k) => {
          const n = online ? online.andCardinality(platformSets[k]!) : 0;
          item[p] = { new: created.get(p) ?? 0, online: n, active: n };
        });
        items.push(item);
        at = next;
      }
      return reply.send({ time_unit: q.timeUnit, start: q.startText, duration: q.duration, items });
    },
  });
}
