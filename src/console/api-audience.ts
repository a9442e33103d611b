import type { FastifyInstance, FastifyRequest } from 'fastify';
import { vendorTrace } from '../api/jpush/report-routes.js';
import { createSegment, deleteSegment, segmentJson } from '../audience/segment-admin.js';
import type { DeviceRecord } from '../domain/device.js';
import { parseSegmentBody } from '../domain/segment.js';
import { toWireSchedule } from '../schedules/schedule-service.js';
import { deviceTrace } from '../receipts/report.js';
import { bodyOf, limitOf, query, routeApp, type ConsoleContext } from './console-context.js';
import { consoleErrors } from './errors.js';
import { pushLine } from './api-pushes.js';

const API = '/console/api/apps/:app_key';
/** Pushes whose trace the device page shows. */
const TRACED_PUSHES = 20;

function deviceJson(d: DeviceRecord) {
  return {
    registration_id: d.registrationId,
    platform: d.platform,
    alias: d.alias,
    account: d.account,
    mobile: d.mobile === null ? null : d.mobile.replace(/.(?=.{4})/g, '*'),
    tags: d.tags,
    vendor_tokens: Object.keys(d.tokens ?? {}),
    created_at: d.createdAt,
    last_online_at: d.lastOnlineAt,
  };
}

/** Device and user lookup with the per-device trace, schedules, segments. */
export function registerAudienceRoutes(app: FastifyInstance, cc: ConsoleContext): void {
  const { ctx } = cc;
  const viewer = { preHandler: cc.sessions.guard('viewer') };
  const operator = { preHandler: cc.sessions.guard('operator') };

  const appOf = (request: FastifyRequest) => routeApp(ctx, request);

  /** A registration id, an alias or a user account: every indexed lookup, never a scan. */
  app.get(`${API}/devices`, viewer, async (request, reply) => {
    const record = await appOf(request);
    const q = query(request);
    const term = typeof q.q === 'string' ? q.q.trim().slice(0, 128) : '';
    const found = new Map<string, DeviceRecord>();
    if (term !== '') {
      const byId = await ctx.registry.get(record.appKey, term);
      if (byId) found.set(byId.registrationId, byId);
      for (const d of await ctx.store.devices.devicesByAlias(record.appKey, term)) found.set(d.registrationId, d);
      for (const d of await ctx.store.devices.devicesByAccount(record.appKey, term)) found.set(d.registrationId, d);
    }
    return reply.send({ total: ctx.index.deviceCount(record.appKey), devices: [...found.values()].slice(0, 100).map(deviceJson) });
  });

  /** One device and what happened to the app's latest pushes on it. */
  app.get(`${API}/devices/:rid`, viewer, async (request, reply) => {
    const record = await appOf(request);
    const { rid } = request.params as { rid: string };
    const device = await ctx.registry.get(record.appKey, rid);
    if (!device) throw consoleErrors.notFound(`device ${rid.slice(0, 40)}`);
    const q = query(request);
    const msgId = typeof q.msg_id === 'string' && q.msg_id !== '' ? q.msg_id : undefined;
    const recent = msgId
      ? { pushes: [] }
      : await ctx.store.console.pushPage({ appKey: record.appKey, before: null, limit: limitOf(q.limit, TRACED_PUSHES, 100) });
    const ids = msgId ? [msgId] : recent.pushes.map((p) => p.msgId);
    const lines = new Map(recent.pushes.map((p) => [p.msgId, pushLine(p)]));
    const now = Date.now();
    const traces = [];
    for (const id of ids) {
      const receipts = /^[1-9][0-9]{0,18}$/.test(id) ? await ctx.delivery.receiptsOf(record.appKey, id) : undefined;
      if (!receipts) continue;
      traces.push({ msg_id: id, content: lines.get(id)?.content ?? null, ...deviceTrace(receipts, device.num, now), ...(await vendorTrace(ctx, id, device.num)) });
    }
    return reply.send({ device: deviceJson(device), traces });
  });

  app.get(`${API}/schedules`, viewer, async (request, reply) => {
    const record = await appOf(request);
    const q = query(request);
    const limit = limitOf(q.limit, 50, 200);
    const offset = typeof q.offset === 'string' && /^[0-9]{1,6}$/.test(q.offset) ? Number(q.offset) : 0;
    const page = await ctx.store.schedules.list(record.appKey, offset, limit);
    return reply.send({ total: page.total, schedules: page.schedules.map(toWireSchedule) });
  });

  app.delete(`${API}/schedules/:id`, operator, async (request, reply) => {
    const record = await appOf(request);
    const { id } = request.params as { id: string };
    await ctx.schedules.delete(record, id);
    await cc.audit(request, 'schedule.delete', { appKey: record.appKey, target: id });
    return reply.send({});
  });

  app.get(`${API}/segments`, viewer, async (request, reply) => {
    const record = await appOf(request);
    const list = await ctx.store.segments.listSegments(record.appKey);
    const out = [];
    for (const s of list) out.push({ ...segmentJson(s), size: (await ctx.definitions.evaluate(record.appKey, s.definition)).size });
    return reply.send({ segments: out });
  });

  app.post(`${API}/segments`, operator, async (request, reply) => {
    const record = await appOf(request);
    const { name, definition } = parseSegmentBody(bodyOf(request));
    const created = await createSegment(ctx.store.segments, record.appKey, name, definition);
    await cc.audit(request, 'segment.create', { appKey: record.appKey, target: created.id, detail: { name } });
    return reply.send(segmentJson(created));
  });

  app.delete(`${API}/segments/:id`, operator, async (request, reply) => {
    const record = await appOf(request);
    const { id } = request.params as { id: string };
    await deleteSegment(ctx.store.segments, record.appKey, id);
    await cc.audit(request, 'segment.delete', { appKey: record.appKey, target: id });
    return reply.send({});
  });
}
