import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../../context.js';
import { scheduleErrors, SCHEDULE_AUTH_CODES } from '../../schedules/errors.js';
import { toWireSchedule } from '../../schedules/schedule-service.js';
import type { FastifyRequest } from 'fastify';
import type { AppRecord } from '../../store/types.js';
import { appOf, requireApp } from '../http/auth.js';
import { takeAllowance } from './api-allowance.js';

/** JPush lists schedules 50 to a page. */
export const SCHEDULES_PER_PAGE = 50;
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function scheduleId(params: unknown): string {
  const id = (params as { id: string }).id;
  // an id that cannot exist is simply not found, without a store lookup
  if (!ID_PATTERN.test(id)) throw scheduleErrors.notFound();
  return id;
}

function pageOf(raw: unknown): number {
  if (raw === undefined || raw === '') return 1;
  if (typeof raw !== 'string' || !/^[0-9]{1,6}$/.test(raw) || Number(raw) < 1) throw scheduleErrors.invalid('page must be a positive integer');
  return Number(raw);
}

/** JPush Schedule API v3: /v3/schedules and /v3/schedules/{id}[/msg_ids]. */
export function registerScheduleRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const auth = requireApp(ctx, SCHEDULE_AUTH_CODES);
  /** The app, once its Schedule API allowance (and, for a file schedule, its File API one) is taken. */
  const caller = (request: FastifyRequest): AppRecord => {
    const app = appOf(request);
    takeAllowance(ctx, 'schedules', app.appKey);
    const push = (request.body as { push?: { audience?: { file?: unknown } } } | undefined)?.push;
    if (typeof push === 'object' && push !== null && typeof push.audience === 'object' && push.audience?.file !== undefined) {
      takeAllowance(ctx, 'files', app.appKey);
    }
    return app;
  };

  app.post('/v3/schedules', { preHandler: auth }, async (request, reply) => {
    return reply.send(await ctx.schedules.create(caller(request), request.body));
  });

  app.get('/v3/schedules', { preHandler: auth }, async (request, reply) => {
    const page = pageOf((request.query as Record<string, unknown>).page);
    const owner = caller(request);
    const { total, schedules } = await ctx.store.schedules.list(owner.appKey, (page - 1) * SCHEDULES_PER_PAGE, SCHEDULES_PER_PAGE);
    return reply.send({
      total_count: total,
      total_pages: Math.ceil(total / SCHEDULES_PER_PAGE),
      page,
      schedules: schedules.map(toWireSchedule),
    });
  });

  app.get('/v3/schedules/:id', { preHandler: auth }, async (request, reply) => {
    return reply.send(toWireSchedule(await ctx.schedules.get(caller(request), scheduleId(request.params))));
  });

  app.put('/v3/schedules/:id', { preHandler: auth }, async (request, reply) => {
    const updated = await ctx.schedules.update(caller(request), scheduleId(request.params), request.body);
    return reply.send(toWireSchedule(updated));
  });

  app.delete('/v3/schedules/:id', { preHandler: auth }, async (request, reply) => {
    await ctx.schedules.delete(caller(request), scheduleId(request.params));
    return reply.status(200).send();
  });

  app.get('/v3/schedules/:id/msg_ids', { preHandler: auth }, async (request, reply) => {
    return reply.send(await ctx.schedules.msgIds(caller(request), scheduleId(request.params)));
  });
}
