import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseJPushPush } from '../api/jpush/validate-push.js';
import { Planner } from '../delivery/planner.js';
import type { DevicePlatform } from '../devices/types.js';
import { ApiError } from '../domain/errors.js';
import type { Push } from '../domain/push.js';
import { relayFigures } from '../receipts/relay-figures.js';
import { pushFigures } from '../receipts/report.js';
import type { AppRecord } from '../store/types.js';
import type { PushSummary } from '../store/console-types.js';
import { bodyOf, limitOf, query, routeApp, type ConsoleContext } from './console-context.js';
import { consoleErrors } from './errors.js';
import { previewPush } from './preview.js';

const API = '/console/api/apps/:app_key';
const MSG_ID = /^[1-9][0-9]{0,18}$/;

/** The few words the history shows of a stored push: its alert or message, and its audience. */
export function pushLine(summary: PushSummary) {
  let content = '';
  let audience: unknown = null;
  let platforms: unknown = null;
  try {
    const body = JSON.parse(summary.body) as Partial<Push>;
    const alert = body.notification?.alert ?? body.message?.msg_content ?? body.message?.title;
    content = typeof alert === 'string' ? alert.slice(0, 200) : '';
    audience = body.audience ?? null;
    platforms = body.platforms ?? null;
  } catch {
    // a body that does not parse shows no content
  }
  const now = Date.now();
  return {
    msg_id: summary.msgId,
    created_at: summary.createdAt,
    expires_at: summary.expiresAt,
    targets: summary.targetCount,
    state: summary.revokedAt !== null ? 'revoked' : now >= summary.expiresAt ? 'expired' : 'live',
    content,
    audience,
    platforms,
  };
}

/** The composer (check, preview, audience size, send or schedule) and the push history with its funnel. */
export function registerPushRoutes(app: FastifyInstance, cc: ConsoleContext): void {
  const { ctx } = cc;
  const planner = new Planner(ctx.index, ctx.files, ctx.definitions, ctx.store.liveActivities);
  const viewer = { preHandler: cc.sessions.guard('viewer') };
  const operator = { preHandler: cc.sessions.guard('operator') };

  const appOf = (request: FastifyRequest) => routeApp(ctx, request);

  /** The composer's push object, checked as POST /v3/push/validate checks it. */
  async function checked(record: AppRecord, raw: unknown): Promise<{ push: Push; audience: number }> {
    const push = parseJPushPush(raw, record.appKey);
    await ctx.accept.validate(record, push);
    return { push, audience: (await planner.plan(push)).count };
  }

  app.post(`${API}/push/check`, viewer, async (request, reply) => {
    const record = await appOf(request);
    const raw = bodyOf(request).push;
    try {
      const { push, audience } = await checked(record, raw);
      return reply.send({ ok: true, audience, preview: previewPush(push) });
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500) throw err;
      // an audience nobody matches is still worth a preview
      let preview: unknown = null;
      try {
        preview = previewPush(parseJPushPush(raw, record.appKey));
      } catch {
        // the push itself is malformed: nothing to preview
      }
      return reply.send({ ok: false, audience: err.code === 1011 ? 0 : null, error: { code: err.code, message: err.message }, preview });
    }
  });

  app.post(`${API}/push`, operator, async (request, reply) => {
    const record = await appOf(request);
    const body = bodyOf(request);
    const schedule = body.schedule;
    if (schedule !== undefined) {
      if (typeof schedule !== 'object' || schedule === null) throw consoleErrors.invalid('schedule: {"name", "time": "YYYY-MM-DD HH:MM:SS"}');
      const { name, time } = schedule as Record<string, unknown>;
      const created = await ctx.schedules.create(record, { name: name ?? 'console', enabled: true, trigger: { single: { time } }, push: body.push });
      await cc.audit(request, 'schedule.create', { appKey: record.appKey, target: created.schedule_id, detail: { name: created.name, time } });
      return reply.send(created);
    }
    const push = parseJPushPush(body.push, record.appKey);
    const result = await ctx.accept.accept(record, push);
    if (!result.replayed) ctx.metrics.pushesAccepted.inc({ source: 'console' });
    await cc.audit(request, push.options.overrideMsgId ? 'push.override' : 'push.send', {
      appKey: record.appKey,
      target: result.msgId,
      detail: { audience: push.audience, platforms: push.platforms, ...(push.options.overrideMsgId ? { overrides: push.options.overrideMsgId } : {}) },
    });
    return reply.send({ msg_id: result.msgId, sendno: result.sendno });
  });

  app.get(`${API}/pushes`, viewer, async (request, reply) => {
    const record = await appOf(request);
    const q = query(request);
    const limit = limitOf(q.limit, 50, 200);
    const before = typeof q.before === 'string' && q.before !== '' ? q.before : null;
    if (before !== null && !MSG_ID.test(before)) throw consoleErrors.invalid('before: a msg_id');
    const search = typeof q.q === 'string' ? q.q.trim().slice(0, 200) : '';
    if (MSG_ID.test(search)) {
      // a msg_id: that push alone
      const one = await ctx.store.console.pushPage({ appKey: record.appKey, before: (BigInt(search) + 1n).toString(), limit: 1 });
      const hit = one.pushes.filter((p) => p.msgId === search);
      return reply.send({ total: hit.length, pushes: hit.map(pushLine), next: null });
    }
    const page = await ctx.store.console.pushPage({ appKey: record.appKey, before, limit, ...(search ? { text: search } : {}) });
    return reply.send({
      total: page.total,
      pushes: page.pushes.map(pushLine),
      next: page.pushes.length === limit ? page.pushes[page.pushes.length - 1]!.msgId : null,
    });
  });

  app.get(`${API}/pushes/:msg_id`, viewer, async (request, reply) => {
    const record = await appOf(request);
    const { msg_id: msgId } = request.params as { msg_id: string };
    const receipts = MSG_ID.test(msgId) ? await ctx.delivery.receiptsOf(record.appKey, msgId) : undefined;
    if (!receipts) throw consoleErrors.notFound(`push ${msgId.slice(0, 20)}`);
    const sets = new Map<DevicePlatform, ReturnType<typeof ctx.index.platformSet>>();
    const figures = pushFigures(receipts, (p) => {
      let set = sets.get(p);
      if (!set) sets.set(p, (set = ctx.index.platformSet(record.appKey, [p])));
      return set;
    });
    const push = await ctx.store.pushes.get(msgId);
    const now = Date.now();
    return reply.send({
      msg_id: msgId,
      created_at: receipts.createdAt,
      expires_at: receipts.expiresAt,
      state: receipts.revoked ? 'revoked' : now >= receipts.expiresAt ? 'expired' : 'live',
      push: push ? { platform: push.platforms, audience: push.audience, notification: push.notification, message: push.message, options: push.options } : null,
      funnel: { total: figures.total, platforms: { ...figures.platforms, web: figures.web }, channels: figures.channels },
      vendors: await relayFigures(ctx.store.relay, msgId),
    });
  });

  app.delete(`${API}/pushes/:msg_id`, operator, async (request, reply) => {
    const record = await appOf(request);
    const { msg_id: msgId } = request.params as { msg_id: string };
    if (!MSG_ID.test(msgId) || !(await ctx.delivery.receiptsOf(record.appKey, msgId))) throw consoleErrors.notFound(`push ${msgId.slice(0, 20)}`);
    await ctx.delivery.revoke(record.appKey, msgId);
    await cc.audit(request, 'push.revoke', { appKey: record.appKey, target: msgId });
    return reply.send({});
  });
}
