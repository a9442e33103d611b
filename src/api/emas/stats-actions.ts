import type { DevicePlatform } from '../../devices/types.js';
import type { Push } from '../../domain/push.js';
import type { PushReceipts } from '../../delivery/delivery-service.js';
import type { ActionContext, ActionHandler } from './action.js';
import { emas } from './errors.js';
import { formatUtcTime } from './params.js';

const DAY_MS = 86_400_000;
const MAX_DAYS = 31;
/** Pushes one statistics or records query reads at most (the newest beyond are not counted). */
export const MAX_PUSHES_READ = 20_000;

/** EMAS's counters of one push, from Borealis's receipt bitmaps (no SMS relay: SMS counters are 0). */
function counters(r: PushReceipts | undefined) {
  const target = r ? r.targets.size : 0;
  return {
    AcceptCount: target,
    SentCount: r ? r.targets.andCardinality(r.sent) : 0,
    ReceivedCount: r ? r.targets.andCardinality(r.received) : 0,
    OpenedCount: r ? r.targets.andCardinality(r.clicked) : 0,
    DeletedCount: 0,
    SmsSentCount: 0,
    SmsSkipCount: 0,
    SmsFailedCount: 0,
    SmsReceiveSuccessCount: 0,
    SmsReceiveFailedCount: 0,
  };
}
type Counters = ReturnType<typeof counters>;

function add(into: Counters, from: Counters): void {
  for (const k of Object.keys(into) as (keyof Counters)[]) into[k] += from[k];
}

/** StartTime / EndTime, at most 31 days apart. */
function period(a: ActionContext, maxDays = MAX_DAYS): { start: number; end: number } {
  const start = a.p.time('StartTime', true)!;
  const end = a.p.time('EndTime', true)!;
  if (end <= start) throw emas.format('EndTime', 'EndTime must be after StartTime.');
  if (end - start > maxDays * DAY_MS) throw emas.periodExceed(maxDays);
  return { start, end };
}

/** Buckets of a day (or a calendar month, UTC) covering [start, end). */
function buckets(start: number, end: number, granularity: 'DAY' | 'MONTH'): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  let from = granularity === 'DAY' ? start - (start % DAY_MS) : Date.UTC(new Date(start).getUTCFullYear(), new Date(start).getUTCMonth(), 1);
  while (from < end) {
    const d = new Date(from);
    const to = granularity === 'DAY' ? from + DAY_MS : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    out.push({ from: Math.max(from, start), to: Math.min(to, end) });
    from = to;
  }
  return out;
}

const DEVICE_TYPES: Record<string, DevicePlatform[] | 'all'> = { iOS: ['ios'], ANDROID: ['android'], HARMONY: ['hmos'], ALL: 'all' };

/** The EMAS view of any stored push, whichever API it came in by. */
export function describePush(push: Push): { Title: string; Body: string; DeviceType: string; PushType: string; Target: string } {
  const n = push.notification;
  const block = (n?.android ?? n?.ios ?? n?.hmos) as Record<string, unknown> | undefined;
  const alert = block?.alert ?? n?.alert;
  const alertText = typeof alert === 'string' ? alert : typeof alert === 'object' && alert !== null ? String((alert as Record<string, unknown>).body ?? '') : '';
  const m = push.message;
  const title = String(block?.title ?? (alert as Record<string, unknown> | undefined)?.title ?? m?.title ?? '');
  const platforms = push.platforms;
  const deviceType = platforms.length === 1 ? ({ android: 'ANDROID', ios: 'iOS', hmos: 'HARMONY', quickapp: 'ALL' } as const)[platforms[0]!] : 'ALL';
  const a = push.audience;
  const target = a.all ? 'ALL' : a.registrationId ? 'DEVICE' : a.account ? 'ACCOUNT' : a.alias ? 'ALIAS' : 'TAG';
  return {
    Title: title,
    Body: n ? alertText : String(m?.msg_content ?? ''),
    DeviceType: deviceType,
    PushType: n ? 'NOTICE' : 'MESSAGE',
    Target: target,
  };
}

export const statsActions: Record<string, ActionHandler> = {
  async QueryPushStatByMsg(a) {
    const messageId = a.p.need('MessageId', { pattern: /^[0-9]{1,19}$/ });
    const receipts = await a.ctx.delivery.receiptsOf(a.caller.app.appKey, messageId);
    if (!receipts) {
      const waiting = await a.ctx.store.emas.deferred(messageId);
      if (!waiting || waiting.appKey !== a.caller.app.appKey) throw emas.notFound('MessageId');
    }
    return { PushStats: { PushStat: [{ MessageId: messageId, ...counters(receipts) }] } };
  },

  async QueryPushStatByApp(a) {
    const { start, end } = period(a);
    a.p.oneOf('Granularity', ['DAY'], true);
    const out = buckets(start, end, 'DAY').map((b) => ({ ...b, c: counters(undefined) }));
    const ids = await a.ctx.store.emas.pushIds(a.caller.app.appKey, start, end, MAX_PUSHES_READ);
    for (const { msgId, createdAt } of ids) {
      const bucket = out.find((b) => createdAt >= b.from && createdAt < b.to);
      if (bucket) add(bucket.c, counters(await a.ctx.delivery.receiptsOf(a.caller.app.appKey, msgId)));
    }
    return { AppPushStats: { AppPushStat: out.map((b) => ({ Time: formatUtcTime(b.from), ...b.c })) } };
  },

  async QueryPushRecords(a) {
    const { start, end } = period(a);
    const page = a.p.int('Page', { min: 1, max: 10_000 }) ?? 1;
    const pageSize = a.p.int('PageSize', { min: 1, max: 100 }) ?? 20;
    const pushType = a.p.oneOf('PushType', ['MESSAGE', 'NOTICE', 'LIVE_ACTIVITY']);
    const source = a.p.oneOf('Source', ['API', 'CONSOLE', 'OpenAPIExplorer']);
    const target = a.p.oneOf('Target', ['DEVICE', 'ACCOUNT', 'ALIAS', 'TAG', 'ALL']);
    const keyword = a.p.str('Keyword', { maxBytes: 256 }) || undefined;
    const { rows } = await a.ctx.store.emas.pushRecords(a.caller.app.appKey, start, end, 0, MAX_PUSHES_READ);
    const infos = rows
      .map((r) => ({ r, d: describePush(r.push) }))
      .filter(({ d }) => (pushType === undefined || d.PushType === pushType) && (target === undefined || d.Target === target))
      .filter(({ d }) => keyword === undefined || d.Title.includes(keyword) || d.Body.includes(keyword))
      // every push arrives through an API here: the console is not there yet
      .filter(() => source === undefined || source === 'API');
    const slice = infos.slice((page - 1) * pageSize, page * pageSize);
    return {
      Total: infos.length,
      Page: page,
      PageSize: pageSize,
      PushInfos: {
        PushInfo: slice.map(({ r, d }) => ({
          AppKey: a.caller.emasAppKey,
          MessageId: r.msgId,
          ...d,
          PushTime: formatUtcTime(r.createdAt),
          Source: 'API',
          Status: 'SENT',
        })),
      },
    };
  },

  async QueryDeviceStat(a) {
    const { start, end } = period(a);
    const queryType = a.p.oneOf('QueryType', ['NEW', 'TOTAL'], true)!;
    const deviceType = a.p.oneOf('DeviceType', ['iOS', 'ANDROID', 'HARMONY', 'ALL']) ?? 'ALL';
    const platforms = DEVICE_TYPES[deviceType]!;
    const stats = [];
    for (const b of buckets(start, end, 'DAY')) {
      const count = await a.ctx.store.emas.countDevices(a.caller.app.appKey, platforms, b.to, queryType === 'NEW' ? b.from : undefined);
      stats.push({ Time: formatUtcTime(b.from), Count: count, DeviceType: deviceType });
    }
    return { AppDeviceStats: { AppDeviceStat: stats } };
  },

  async QueryUniqueDeviceStat(a) {
    const granularity = a.p.oneOf('Granularity', ['DAY', 'MONTH'], true)!;
    const { start, end } = period(a, granularity === 'DAY' ? MAX_DAYS : 366);
    const stats = [];
    // Borealis keeps each device's last connection, not its history: a device counts in the
    // bucket of its most recent connection only.
    for (const b of buckets(start, end, granularity)) {
      stats.push({ Time: formatUtcTime(b.from), Count: await a.ctx.store.emas.countSeen(a.caller.app.appKey, b.from, b.to) });
    }
    return { AppDeviceStats: { AppDeviceStat: stats } };
  },
};
