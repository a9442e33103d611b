import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../domain/errors.js';
import type { ServerContext } from '../../context.js';
import { MAX_CID_COUNT, issueCids } from '../../delivery/cid-service.js';
import { appOf, requireApp } from '../http/auth.js';
import { parseJPushPush } from './validate-push.js';

const OTHER_METHODS = ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** JPush Push API v3: POST /v3/push, POST /v3/push/validate, GET /v3/push/cid. */
export function registerPushRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const auth = requireApp(ctx);

  app.post('/v3/push', { preHandler: auth }, async (request, reply) => {
    const owner = appOf(request);
    const push = parseJPushPush(request.body, owner.appKey, request.jsonBytesBound);
    const result = await ctx.accept.accept(owner, push);
    if (!result.replayed) ctx.metrics.pushesAccepted.inc({ source: 'jpush' });
    return reply.send({ sendno: result.sendno, msg_id: result.msgId });
  });

  app.post('/v3/push/validate', { preHandler: auth }, async (request, reply) => {
    const owner = appOf(request);
    const push = parseJPushPush(request.body, owner.appKey, request.jsonBytesBound);
    const result = await ctx.accept.validate(owner, push);
    return reply.send({ sendno: result.sendno, msg_id: result.msgId });
  });

  const onlyPost = async (_request: FastifyRequest, _reply: FastifyReply) => {
    throw errors.methodNotAllowed();
  };
  app.route({ method: [...OTHER_METHODS], url: '/v3/push', handler: onlyPost });
  app.route({ method: [...OTHER_METHODS], url: '/v3/push/validate', handler: onlyPost });

  // Revoke (withdraw) a push: undelivered copies are dropped, devices holding it are told.
  app.delete('/v3/push/:msgid', { preHandler: auth }, async (request, reply) => {
    const owner = appOf(request);
    const { msgid } = request.params as { msgid: string };
    await ctx.delivery.revoke(owner.appKey, msgid);
    return reply.status(200).send();
  });

  app.get('/v3/push/cid', { preHandler: auth }, async (request, reply) => {
    const owner = appOf(request);
    const query = request.query as Record<string, unknown>;
    const count = parseCount(query.count);
    const type = query.type ?? 'push';
    if (type !== 'push' && type !== 'schedule') throw errors.invalid('type must be push or schedule');
    const cidlist = await issueCids(ctx.store, owner.appKey, count, type);
    return reply.send({ cidlist });
  });
}

function parseCount(raw: unknown): number {
  if (raw === undefined || raw === '') return 1;
  if (typeof raw !== 'string' || !/^[0-9]{1,4}$/.test(raw)) throw errors.invalid(`count must be an integer 1..${MAX_CID_COUNT}`);
  const n = Number(raw);
  if (n < 1 || n > MAX_CID_COUNT) throw errors.invalid(`count must be an integer 1..${MAX_CID_COUNT}`);
  return n;
}
