import type { ActionContext, ActionHandler } from './action.js';
import { emas } from './errors.js';
import { Params } from './params.js';
import { flattenPushTask, parseJsonParam } from './push-v2.js';
import { audienceOf, MAX_TARGET_VALUES, translatePush, type Target, type TranslatedPush } from './push-translate.js';

/** Actions whose every path either carries the nonce into a push commit or uses it up before acting (pushOne). */
export const NONCE_RIDERS: ReadonlySet<string> = new Set(['Push', 'PushV2', 'PushMessageToAndroid', 'PushMessageToiOS', 'PushNoticeToAndroid', 'PushNoticeToiOS']);

/** Tasks one MassPush may carry. */
const MAX_TASKS = 100;
const MESSAGE_ID = /^[0-9]{1,19}$/;

function messageIdOf(a: ActionContext): string {
  return a.p.need('MessageId', { pattern: MESSAGE_ID });
}

async function pushOne(a: ActionContext, t: TranslatedPush): Promise<Record<string, unknown>> {
  const app = a.caller.app;
  // a push accepted at once carries the request's nonce into its commit; any other is stored
  // (scheduled, idempotent) only after the nonce is used up
  const nonce = t.idempotentToken === undefined && t.target !== 'TBD' && t.pushTime === undefined ? a.nonce.ride() : undefined;
  if (nonce === undefined) await a.nonce.use();
  if (t.idempotentToken === undefined) return { MessageId: await a.pushes.submit(app, t, nonce) };
  return a.pushes.idempotent(app, t.idempotentToken, async () => ({ MessageId: await a.pushes.submit(app, t, nonce) }));
}

/** Several translated pushes: all are checked before any is accepted, then accepted in order. */
async function pushMany(a: ActionContext, tasks: TranslatedPush[]): Promise<Record<string, unknown>> {
  const app = a.caller.app;
  const token = a.p.str('IdempotentToken', { pattern: /^[A-Za-z0-9-]{1,64}$/ }) || undefined;
  return a.pushes.idempotent(app, token, async () => {
    await a.pushes.validateAll(app, tasks);
    const ids: string[] = [];
    for (const t of tasks) ids.push(await a.pushes.submit(app, t));
    return { MessageIds: { MessageId: ids } };
  });
}

/** The indexes N of `PushTask.N.*` present, in order (1..100). */
function taskIndexes(p: Params): number[] {
  const seen = new Set<number>();
  for (const name of p.all.keys()) {
    const m = /^PushTask\.([0-9]{1,6})\./.exec(name);
    if (m) seen.add(Number(m[1]));
  }
  const indexes = [...seen].sort((x, y) => x - y);
  if (indexes.length === 0) throw emas.missing('PushTask');
  if (indexes.length > MAX_TASKS || indexes.some((n) => n < 1 || n > MAX_TASKS)) throw emas.lengthExceed('PushTask', MAX_TASKS);
  return indexes;
}

/** Legacy actions: fixed PushType and DeviceType, a few renamed parameters. */
function legacy(pushType: 'MESSAGE' | 'NOTICE', deviceType: 'ANDROID' | 'iOS'): ActionHandler {
  return async (a) => {
    const flat = new Map(a.p.all);
    flat.set('PushType', pushType);
    flat.set('DeviceType', deviceType);
    const ext = a.p.raw('ExtParameters');
    if (ext !== undefined && pushType === 'NOTICE') flat.set(deviceType === 'iOS' ? 'iOSExtParameters' : 'AndroidExtParameters', ext);
    const env = a.p.raw('ApnsEnv');
    if (env !== undefined && deviceType === 'iOS') flat.set('iOSApnsEnv', env);
    // iOS notices reach devices through APNs whether or not they are online
    if (deviceType === 'iOS' && pushType === 'NOTICE' && !flat.has('StoreOffline')) flat.set('StoreOffline', 'true');
    for (const n of ['ExtParameters', 'ApnsEnv']) flat.delete(n);
    const t = translatePush(new Params(flat), a.caller.app.appKey, Date.now());
    return pushOne(a, t);
  };
}

export const pushActions: Record<string, ActionHandler> = {
  async Push(a) {
    return pushOne(a, translatePush(a.p, a.caller.app.appKey, Date.now()));
  },

  async MassPush(a) {
    const now = Date.now();
    const tasks = taskIndexes(a.p).map((n) => translatePush(a.p.scoped(`PushTask.${n}.`), a.caller.app.appKey, now, true));
    return pushMany(a, tasks);
  },

  async PushV2(a) {
    const task = parseJsonParam('PushTask', a.p.raw('PushTask'));
    const t = translatePush(new Params(flattenPushTask(task)), a.caller.app.appKey, Date.now());
    const token = a.p.str('IdempotentToken', { pattern: /^[A-Za-z0-9-]{1,64}$/ }) || undefined;
    if (token !== undefined) t.idempotentToken = token;
    return pushOne(a, t);
  },

  async MassPushV2(a) {
    const list = parseJsonParam('PushTasks', a.p.raw('PushTasks') ?? a.p.raw('PushTask'));
    if (!Array.isArray(list) || list.length === 0) throw emas.format('PushTasks', 'A JSON array of tasks is expected.');
    if (list.length > MAX_TASKS) throw emas.lengthExceed('PushTasks', MAX_TASKS);
    const now = Date.now();
    const tasks = list.map((task) => translatePush(new Params(flattenPushTask(task)), a.caller.app.appKey, now, true));
    return pushMany(a, tasks);
  },

  async ContinuouslyPush(a) {
    const messageId = messageIdOf(a);
    const target = a.p.oneOf<Target>('Target', ['DEVICE', 'ACCOUNT', 'ALIAS'], true)!;
    a.p.list('TargetValue', MAX_TARGET_VALUES, { required: true });
    const id = await a.pushes.continueWith(a.caller.app, messageId, audienceOf(a.p, target));
    return { MessageId: id };
  },

  async CompleteContinuouslyPush(a) {
    const messageId = messageIdOf(a);
    await a.pushes.complete(a.caller.app, messageId);
    return { MessageId: messageId };
  },

  async CancelPush(a) {
    await a.pushes.cancel(a.caller.app, messageIdOf(a));
    return {};
  },

  PushMessageToAndroid: legacy('MESSAGE', 'ANDROID'),
  PushMessageToiOS: legacy('MESSAGE', 'iOS'),
  PushNoticeToAndroid: legacy('NOTICE', 'ANDROID'),
  PushNoticeToiOS: legacy('NOTICE', 'iOS'),
};
