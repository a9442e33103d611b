import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../../context.js';
import type { PushReceipts } from '../../delivery/delivery-service.js';
import { effectivePlatforms } from '../../delivery/render.js';
import type { DevicePlatform } from '../../devices/types.js';
import { ApiError } from '../../domain/errors.js';
import { isRegistrationId } from '../../domain/names.js';
import { PLATFORMS, type Platform } from '../../domain/push.js';
import { deviceTrace, pushFigures, statusCode, DeviceStatusCode, OWN_CHANNEL, type Figures, type PushFigures } from '../../receipts/report.js';
import type { AppRecord } from '../../store/types.js';
import { relayFigures, relayTrace, type RelayFigures } from '../../receipts/relay-figures.js';
import { appOf, requireApp, type AuthCodes } from '../http/auth.js';
import { toApiError } from '../http/errors.js';

/** The Report API answers a failed Basic authentication with 3001 (HTTP 401). */
/** Android vendor channels, counted together as JPush's "pns" figures. */
const ANDROID_VENDORS = ['xiaomi', 'huawei', 'honor', 'meizu', 'oppo', 'vivo', 'fcm'] as const;

/** A figure summed over the channels that have it; null when none has. */
function sumOf(figures: Record<string, RelayFigures>, channels: readonly string[], field: 'sent' | 'received'): number | null {
  let total: number | null = null;
  for (const c of channels) {
    const v = figures[c]?.[field];
    if (v !== undefined && v !== null) total = (total ?? 0) + v;
  }
  return total;
}

export const REPORT_AUTH_CODES: AuthCodes = { missing: 3001, failed: 3001 };

/** msg_ids one query may name, as JPush documents. */
export const MAX_REPORT_MSG_IDS = 100;
/** Registration ids one status query may name. */
export const MAX_STATUS_RIDS = 1000;
/** msg_ids are positive integers that fit the store's 64-bit column. */
const MSG_ID = /^[1-9][0-9]{0,18}$/;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** JPush's report table lists no parameter code; 3003 sits next to 3001 (auth) and 3002 (no msg_id). */
const bad = (message: string, status?: number) => new ApiError(3003, message, status);
/** JPush's own wording; also the answer for another app's msg_id, whose existence is not revealed. */
const noMsgId = (status?: number) => new ApiError(3002, 'Msgid does not exist.', status);

type Channel = { target: number; sent: number; received: number; display: null; click: number };

/**
 * JPush Report API v3 (received figures, per-device status, message statistics), plus a
 * Borealis per-device trace. Figures come from the receipt bitmaps: live pushes are read from
 * memory, older ones from the store. Unknown msg_ids and those of other apps look the same.
 */
export function registerReportRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const auth = requireApp(ctx, REPORT_AUTH_CODES);

  /** The pushes of this app among `ids`, in the order asked; the others are left out. */
  async function found(owner: AppRecord, ids: string[]): Promise<PushFigures[]> {
    const sets = platformSets(owner.appKey);
    const out: PushFigures[] = [];
    for (const id of ids) {
      const receipts = await ctx.delivery.receiptsOf(owner.appKey, id);
      if (receipts) out.push(pushFigures(receipts, sets));
    }
    return out;
  }

  /** Platform bitmaps, built once per request and only for the platforms asked about. */
  function platformSets(appKey: string) {
    const cache = new Map<DevicePlatform, ReturnType<typeof ctx.index.platformSet>>();
    return (p: DevicePlatform) => {
      let set = cache.get(p);
      if (!set) cache.set(p, (set = ctx.index.platformSet(appKey, [p])));
      return set;
    };
  }

  /** A push of this app, or 3002. */
  async function receiptsOf(owner: AppRecord, msgId: string, status?: number): Promise<PushReceipts> {
    const receipts = MSG_ID.test(msgId) ? await ctx.delivery.receiptsOf(owner.appKey, msgId) : undefined;
    if (!receipts) throw noMsgId(status);
    return receipts;
  }

  const routes: { method: 'GET' | 'POST'; url: string; handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> }[] = [
    {
      // Legacy shape: Android receipts, iOS over Borealis's connection as ios_msg_received;
      // APNs and MPNS do not exist here, so their fields are null.
      method: 'GET',
      url: '/v3/received',
      async handler(request, reply) {
        const figures = await found(appOf(request), msgIdsOf(request.query));
        const relays = await Promise.all(figures.map((f) => relayFigures(ctx.store.relay, f.msgId)));
        return reply.send(
          figures.map((f, i) => ({
            msg_id: f.msgId,
            android_received: f.platforms.android.received,
            // APNs gives no delivery receipts: sent is what Apple accepted, received stays null.
            ios_apns_sent: relays[i]!.apns?.sent ?? null,
            ios_apns_received: null,
            ios_msg_received: f.platforms.ios.received,
            wp_mpns_sent: null,
          })),
        );
      },
    },
    {
      method: 'GET',
      url: '/v3/received/detail',
      async handler(request, reply) {
        const figures = await found(appOf(request), msgIdsOf(request.query));
        const relays = await Promise.all(figures.map((f) => relayFigures(ctx.store.relay, f.msgId)));
        return reply.send(
          figures.map((f, i) => ({
            msg_id: f.msgId,
            // Everything received over Borealis's own connection, every platform.
            jpush_received: f.channels[OWN_CHANNEL].received,
            android_pns_sent: sumOf(relays[i]!, ANDROID_VENDORS, 'sent'),
            android_pns_received: sumOf(relays[i]!, ANDROID_VENDORS, 'received'),
            ios_apns_sent: relays[i]!.apns?.sent ?? null,
            ios_apns_received: null,
            ios_msg_received: f.platforms.ios.received,
            // Live activities travel over APNs only (JPush's spelling of the field is kept).
            live_acivity_sent: null,
            live_acivity_received: null,
            wp_mpns_sent: null,
            quickapp_jpush_received: f.platforms.quickapp.received,
            quickapp_pns_sent: null,
            hmos_hmpns_sent: relays[i]!.hmos?.sent ?? null,
            hmos_hmpns_received: relays[i]!.hmos?.received ?? null,
            // HarmonyOS devices get notifications and messages alike over the own connection.
            hmos_msg_sent: f.platforms.hmos.sent,
            hmos_msg_received: f.platforms.hmos.received,
          })),
        );
      },
    },
    {
      // Legacy VIP statistics: the own connection counts as JPush's online push.
      method: 'GET',
      url: '/v3/messages',
      async handler(request, reply) {
        const figures = await found(appOf(request), msgIdsOf(request.query));
        return reply.send(
          figures.map((f) => {
            const { android, ios } = f.platforms;
            return {
              msg_id: f.msgId,
              android: { received: android.received, target: android.target, online_push: android.sent, click: android.click, msg_click: null },
              ios: { apns_sent: null, apns_target: null, apns_received: null, click: ios.click, target: ios.target, received: ios.received },
              winphone: null,
            };
          }),
        );
      },
    },
    {
      method: 'GET',
      url: '/v3/messages/detail',
      async handler(request, reply) {
        const owner = appOf(request);
        const figures = await found(owner, msgIdsOf(request.query));
        const out = [];
        for (const f of figures) {
          const entry: Record<string, unknown> = { msg_id: f.msgId, details: await details(ctx, f) };
          // Borealis extension: how far a paced push (big_push_duration) has been released
          const push = await ctx.store.pushes.get(f.msgId);
          const pacing = push ? await ctx.pacer.progress(owner.appKey, push, f.total.target) : undefined;
          if (pacing) entry.big_push = pacing;
          // Borealis extension: what the SMS supplement (sms_message) did
          const sms = push?.smsMessage ? await ctx.store.sms.counts(f.msgId) : undefined;
          if (sms) entry.sms = sms;
          out.push(entry);
        }
        return reply.send(out);
      },
    },
    {
      method: 'POST',
      url: '/v3/status/message',
      async handler(request, reply) {
        const owner = appOf(request);
        const query = statusQuery(request.body);
        const receipts = await receiptsOf(owner, query.msgId);
        const nums = await ctx.store.devices.numsByRegistrationIds(owner.appKey, query.registrationIds.filter((rid) => isRegistrationId(rid)));
        // Built from entries: an id like "__proto__" becomes a key like any other.
        const out = Object.fromEntries(
          query.registrationIds.map((rid) => {
            const num = nums.get(rid);
            // Another app's device answers exactly like an id that does not exist.
            return [rid, { status: num === undefined ? DeviceStatusCode.notInApp : statusCode(receipts, num) }];
          }),
        );
        return reply.send(out);
      },
    },
    {
      // Borealis extension: where one push stands on one device.
      method: 'GET',
      url: '/v3/status/message/:msg_id/:registration_id',
      async handler(request, reply) {
        const owner = appOf(request);
        const params = request.params as { msg_id: string; registration_id: string };
        const receipts = await receiptsOf(owner, params.msg_id, 404);
        const device = await ctx.registry.get(owner.appKey, params.registration_id);
        if (!device) throw bad('registration_id is not a device of this app', 404);
        return reply.send({
          msg_id: receipts.msgId,
          registration_id: device.registrationId,
          platform: device.platform,
          channel: OWN_CHANNEL,
          ...deviceTrace(receipts, device.num, Date.now()),
          ...(await vendorTrace(ctx, receipts.msgId, device.num)),
        });
      },
    },
  ];

  /** Parse and framework failures arrive with the Push API's codes; this family speaks 300x. */
  function reportErrorHandler(err: FastifyError, request: FastifyRequest) {
    const apiError = toApiError(err, ctx.config.limits.bodyBytes);
    if (apiError.code === 1002 || apiError.code === 1003 || apiError.code === 1005) {
      throw bad(apiError.message, apiError.status);
    }
    if (apiError.status >= 500) {
      request.log.error({ err }, 'report api request failed');
      throw new ApiError(10, 'Server internal error');
    }
    throw apiError;
  }

  for (const route of routes) {
    app.route({ method: route.method, url: route.url, preHandler: auth, errorHandler: reportErrorHandler, handler: route.handler });
    const allowed = route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
    app.route({
      method: METHODS.filter((m) => !allowed.includes(m)),
      url: route.url,
      errorHandler: reportErrorHandler,
      handler: async (request, reply) => {
        reply.header('Allow', allowed.join(', '));
        throw bad(`${request.method} is not supported on ${route.url}; use ${route.method}`, 405);
      },
    });
  }
}

/** `?msg_ids=1,2`: 1..100 well-formed ids, duplicates answered once, in the order given. */
function msgIdsOf(query: unknown): string[] {
  let raw = (query as Record<string, unknown> | undefined)?.msg_ids;
  // A repeated parameter reads as one list.
  if (Array.isArray(raw) && raw.every((v) => typeof v === 'string')) raw = raw.join(',');
  if (typeof raw !== 'string') throw bad('msg_ids is required: a comma-separated list of msg_id');
  const ids = raw.split(',').map((s) => s.trim());
  if (ids.length > MAX_REPORT_MSG_IDS) throw bad(`msg_ids: at most ${MAX_REPORT_MSG_IDS} msg_id per query`);
  if (ids.length === 1 && ids[0] === '') throw bad('msg_ids is empty');
  for (const id of ids) if (!MSG_ID.test(id)) throw bad(`msg_ids: illegal msg_id ${JSON.stringify(id.slice(0, 40))}`);
  return [...new Set(ids)];
}

/** Body of POST /v3/status/message. */
function statusQuery(body: unknown): { msgId: string; registrationIds: string[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  // JPush's own example sends msg_id as a number.
  const msgId = typeof b.msg_id === 'number' && Number.isSafeInteger(b.msg_id) ? String(b.msg_id) : b.msg_id;
  if (typeof msgId !== 'string' || !MSG_ID.test(msgId)) throw bad('msg_id is required: one msg_id');
  const rids = b.registration_ids;
  if (!Array.isArray(rids) || !rids.every((r) => typeof r === 'string')) throw bad('registration_ids must be an array of strings');
  if (rids.length === 0) throw bad('registration_ids is empty');
  if (rids.length > MAX_STATUS_RIDS) throw bad(`registration_ids: at most ${MAX_STATUS_RIDS} per query`);
  // date picks the day of statistics at JPush; receipts here are cumulative, so it is only checked.
  if (b.date !== undefined && b.date !== null && !isDate(b.date)) throw bad('date must be yyyy-mm-dd');
  return { msgId, registrationIds: rids as string[] };
}

function isDate(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

/**
 * The statistics blocks of /v3/messages/detail. One frame carries a push's notification and
 * its message together, so a push with both reports the same delivery under both blocks.
 * Totals include web devices; the sub_* blocks cover the platforms the push had content for,
 * each with the own channel only (vendor channels are absent until they exist). Display is not
 * reported by devices, so it is null.
 */
async function details(ctx: ServerContext, f: PushFigures): Promise<Record<string, unknown>> {
  const push = await ctx.store.pushes.get(f.msgId);
  const platforms: Platform[] = push
    ? effectivePlatforms(push).filter((p): p is Platform => (PLATFORMS as readonly string[]).includes(p))
    : [...PLATFORMS];
  const channel = (x: Figures): Channel => ({ target: x.target, sent: x.sent, received: x.received, display: null, click: x.click });
  const block: Record<string, unknown> = channel(f.total);
  const sub: Record<Platform, [string, string]> = {
    android: ['sub_android', 'jg_android'],
    ios: ['sub_ios', 'jg_ios'],
    quickapp: ['sub_quickapp', 'quick_jg'],
    hmos: ['sub_hmos', 'jg_hmos'],
  };
  const relays = await relayFigures(ctx.store.relay, f.msgId);
  // Vendor channels report what the vendor accepted, and received / click from the vendor's own
  // receipts (POST /v1/vendors/{channel}/receipts/{appKey}) where it sends them.
  const vendor = (r: RelayFigures) => ({
    target: null,
    sent: r.sent,
    received: r.received,
    display: null,
    click: r.clicked,
    failed: r.failed,
    token_dead: r.tokenDead,
    // over the vendor's quota: left to the own connection, so counted under jg_* when received
    quota_fallback: r.quotaFallback,
  });
  const vendorsOf: Record<Platform, [string, string][]> = {
    ios: [['apns', 'apns']],
    android: [['xiaomi', 'xiaomi'], ['huawei', 'huawei'], ['honor', 'honor'], ['meizu', 'meizu'], ['oppo', 'oppo'], ['vivo', 'vivo'], ['fcm', 'fcm']],
    quickapp: [],
    hmos: [['hmos', 'hmpns']],
  };
  for (const p of platforms) {
    const [key, own] = sub[p];
    const entry: Record<string, unknown> = { [own]: channel(f.platforms[p]) };
    for (const [id, name] of vendorsOf[p]) if (relays[id]) entry[name] = vendor(relays[id]);
    block[key] = entry;
  }
  const out: Record<string, unknown> = {};
  if (!push || push.notification) out.notification = block;
  if (push?.message) out.message = block;
  return out;
}

/**
 * A device's vendor relays of one push, present only when the push was relayed to it:
 * `vendors` maps each channel tried to sent / failed / token_dead; `vendor_answers` holds the
 * vendor's last answers while the server remembers them.
 */
export async function vendorTrace(ctx: ServerContext, msgId: string, num: number): Promise<Record<string, unknown>> {
  const vendors = await relayTrace(ctx.store.relay, msgId, num);
  const answers = ctx.vendorAnswers.of(msgId, num);
  if (Object.keys(vendors).length === 0 && answers.length === 0) return {};
  return {
    vendors,
    vendor_answers: answers.map((a) => ({ channel: a.channel, result: a.disposition, answer: a.answer, ...(a.notes ? { notes: a.notes } : {}), time: a.at })),
  };
}
