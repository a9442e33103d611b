import { randomBytes } from 'node:crypto';
import { parseJPushPush } from '../api/jpush/validate-push.js';
import type { ServerContext } from '../context.js';
import { ApiError, errors } from '../domain/errors.js';
import type { GroupRecord } from '../store/advanced-types.js';
import { GROUP_USER_PREFIX } from './group-auth.js';

type AppAnswer = { msg_id: string; sendno: string } | { error: { code: number; message: string } };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * One group push: the body validated once as /v3/push would, then pushed to every member app
 * as that app, under that app's own request allowance and broadcast limit. Each app answers
 * on its own (a msg_id, or the error that app got), keyed by appKey, plus one group_msgid.
 */
export async function groupPush(
  ctx: ServerContext,
  group: GroupRecord,
  body: unknown,
  fileOnly: boolean,
): Promise<Record<string, AppAnswer | string>> {
  if (group.appKeys.length === 0) throw errors.invalid('this group has no apps');
  // Validate before anything is sent: a bad body is one error, not one per app.
  const probe = parseJPushPush(body, group.appKeys[0]!);
  if (probe.options.overrideMsgId !== undefined) throw errors.invalid('options.override_msg_id is not supported by group push');
  if (probe.cid !== undefined) throw errors.invalid('cid is not supported by group push');
  if (fileOnly && probe.audience.fileId === undefined) throw errors.invalid('audience must be {"file":{"file_id":...}} for a group file push');
  if (!fileOnly && probe.audience.fileId !== undefined) throw errors.invalid('a file audience goes to /v3/grouppush/file');
  if (!isObject(body)) throw errors.invalid('push body must be a JSON object');

  const answers: Record<string, AppAnswer | string> = {};
  await Promise.all(
    group.appKeys.map(async (appKey) => {
      answers[appKey] = await pushAs(ctx, group, appKey, body);
    }),
  );
  answers.group_msgid = randomBytes(10).toString('hex');
  return answers;
}

async function pushAs(ctx: ServerContext, group: GroupRecord, appKey: string, body: unknown): Promise<AppAnswer> {
  try {
    const app = await ctx.apps.get(appKey);
    if (!app) throw errors.appKey('app of this group no longer exists');
    const limits = ctx.config.limits;
    const decision = ctx.rateLimiter.hit(app.appKey, app.rateLimit ?? limits.requestsPerWindow, app.rateWindow ?? limits.windowSeconds);
    if (!decision.allowed) throw errors.rateLimited();
    const push = parseJPushPush(body, appKey);
    // the group's own file, resolved within this app's devices
    if (push.audience.fileId !== undefined) push.audience.fileOwner = `${GROUP_USER_PREFIX}${group.groupKey}`;
    const result = await ctx.accept.accept(app, push);
    ctx.metrics.pushesAccepted.inc({ source: 'jpush' });
    return { msg_id: result.msgId, sendno: result.sendno };
  } catch (err) {
    if (err instanceof ApiError) return { error: { code: err.code, message: err.message } };
    ctx.logger.error({ err, appKey }, 'group push to one app failed');
    return { error: { code: 1000, message: 'Server internal error' } };
  }
}
