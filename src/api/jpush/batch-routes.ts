import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../../context.js';
import { ApiError, errors } from '../../domain/errors.js';
import type { AppRecord } from '../../store/types.js';
import { appOf, requireApp } from '../http/auth.js';
import { CID_PATTERN } from './push-schema.js';
import { parseJPushPush } from './validate-push.js';

/** "pushlist: at most 1000 pushes" */
export const MAX_BATCH_PUSHES = 1000;
const cidPattern = new RegExp(CID_PATTERN);

type ItemAnswer = { msg_id: string } | { error: { code: number; message: string } };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Batch single pushes: `{"pushlist": {"<cid>": {platform, target, notification, ...}}}`, each
 * entry one push to one registration id (or alias) with its own content. Each cid comes from
 * the app's pool and makes its entry idempotent; every entry is answered on its own.
 */
export function registerBatchRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const auth = requireApp(ctx);
  const handle = (audienceKey: 'registration_id' | 'alias') => async (request: { body: unknown }, owner: AppRecord) => {
    const body = request.body;
    if (!isObject(body)) throw errors.missing('request body must be {"pushlist": {...}}');
    const list = body.pushlist;
    if (!isObject(list)) throw errors.missing('pushlist is required and must be an object keyed by cid');
    const cids = Object.keys(list);
    if (cids.length === 0) throw errors.missing('pushlist is empty');
    if (cids.length > MAX_BATCH_PUSHES) throw errors.invalid(`pushlist holds ${MAX_BATCH_PUSHES} pushes at most`);
    const answers: Record<string, ItemAnswer> = {};
    await Promise.all(
      cids.map(async (cid) => {
        answers[cid] = await pushOne(ctx, owner, cid, list[cid], audienceKey);
      }),
    );
    return answers;
  };
  const byRegid = handle('registration_id');
  const byAlias = handle('alias');
  app.post('/v3/push/batch/regid/single', { preHandler: auth }, async (request, reply) => reply.send(await byRegid(request, appOf(request))));
  app.post('/v3/push/batch/alias/single', { preHandler: auth }, async (request, reply) => reply.send(await byAlias(request, appOf(request))));
}

async function pushOne(ctx: ServerContext, owner: AppRecord, cid: string, entry: unknown, audienceKey: 'registration_id' | 'alias'): Promise<ItemAnswer> {
  try {
    if (!cidPattern.test(cid)) throw errors.invalid('pushlist keys must be cids from GET /v3/push/cid');
    if (!isObject(entry)) throw errors.invalid('each pushlist entry must be a push object');
    const { target, ...rest } = entry;
    if (typeof target !== 'string' || target === '') throw errors.missing('target is required');
    if ('audience' in rest || 'cid' in rest) throw errors.unsupportedKey('a batch entry names its target in target and its cid as its key');
    const push = parseJPushPush({ ...rest, audience: { [audienceKey]: [target] }, cid }, owner.appKey);
    const result = await ctx.accept.accept(owner, push);
    if (!result.replayed) ctx.metrics.pushesAccepted.inc({ source: 'jpush' });
    return { msg_id: result.msgId };
  } catch (err) {
    if (err instanceof ApiError) return { error: { code: err.code, message: err.message } };
    ctx.logger.error({ err }, 'batch push entry failed');
    return { error: { code: 1000, message: 'Server internal error' } };
  }
}
