import type { AcceptedPush, Json, JsonObject } from '../../domain/push.js';

/** Apple's payload limits, in bytes: 4 KB, 5 KB for VoIP. */
export const MAX_PAYLOAD = 4096;
export const MAX_VOIP_PAYLOAD = 5120;

export type ApnsKind = 'alert' | 'background' | 'voip' | 'liveactivity';

/** One APNs request for one device, before its token and authorization are added. */
export interface ApnsMessage {
  kind: ApnsKind;
  /** Which device token it goes to. */
  tokenKey: 'apns' | 'apns_voip' | 'apns_start' | 'apns_activity';
  pushType: ApnsKind;
  topicSuffix: '' | '.voip' | '.push-type.liveactivity';
  priority: 10 | 5;
  /** Epoch seconds after which APNs drops it; 0 = deliver once, never store. */
  expiration: number;
  collapseId?: string;
  payload: string;
}

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The iOS notification block a push carries for APNs: notification.ios, else notification_3rd.ios with a message. */
function iosBlock(push: AcceptedPush): JsonObject | undefined {
  const n = push.notification;
  if (n) {
    if (isObject(n.ios)) return { alert: n.alert ?? null, ...n.ios };
    if (n.alert !== undefined && push.platforms.includes('ios')) return { alert: n.alert };
    return undefined;
  }
  const third = push.notification3rd;
  if (push.message && third && isObject(third.ios)) return third.ios;
  return undefined;
}

/**
 * JPush badge arithmetic: a number sets the badge, "+N" / "-N" add to the device's last badge
 * (never below 0). Returns undefined when the push leaves the badge alone.
 */
export function resolveBadge(push: AcceptedPush, current: number | undefined): number | undefined {
  const block = iosBlock(push);
  const badge = block?.badge;
  if (typeof badge === 'number' && Number.isInteger(badge)) return Math.max(0, badge);
  if (typeof badge === 'string') {
    const m = /^([+-]?)(\d{1,7})$/.exec(badge.trim());
    if (!m) return undefined;
    const n = Number(m[2]);
    if (m[1] === '') return n;
    return Math.max(0, (current ?? 0) + (m[1] === '+' ? n : -n));
  }
  return undefined;
}

function expiration(push: AcceptedPush): number {
  return push.options.timeToLive === 0 ? 0 : Math.floor(push.expiresAt / 1000);
}

/** Keys the aps dictionary takes from notification.ios, under Apple's names. */
const APS_KEYS: readonly string[] = ['sound', 'category', 'thread-id', 'interruption-level', 'relevance-score', 'target-content-id', 'filter-criteria'];

function alertMessage(push: AcceptedPush, block: JsonObject, badge: number | undefined): ApnsMessage {
  const aps: JsonObject = {};
  const alert = block.alert;
  if (typeof alert === 'string' ? alert.length > 0 : isObject(alert)) aps.alert = alert as Json;
  for (const key of APS_KEYS) if (block[key] !== undefined && block[key] !== null) aps[key] = block[key] as Json;
  if (badge !== undefined) aps.badge = badge;
  if (block['content-available'] === true) aps['content-available'] = 1;
  if (block['mutable-content'] === true) aps['mutable-content'] = 1;
  const body: JsonObject = { ...(isObject(block.extras) ? block.extras : {}), aps, _j_msgid: Number(push.msgId) };
  // No alert, sound or badge: a silent background update, which Apple wants at priority 5.
  const background = aps.alert === undefined && aps.sound === undefined && aps.badge === undefined && aps['content-available'] === 1;
  return {
    kind: background ? 'background' : 'alert',
    tokenKey: 'apns',
    pushType: background ? 'background' : 'alert',
    topicSuffix: '',
    priority: background ? 5 : 10,
    expiration: expiration(push),
    collapseId: push.options.apnsCollapseId,
    payload: JSON.stringify(body),
  };
}

function voipMessage(push: AcceptedPush, voip: JsonObject): ApnsMessage {
  return {
    kind: 'voip',
    tokenKey: 'apns_voip',
    pushType: 'voip',
    topicSuffix: '.voip',
    priority: 10,
    expiration: expiration(push),
    payload: JSON.stringify({ ...voip, aps: {}, _j_msgid: Number(push.msgId) }),
  };
}

const LIVE_KEYS: readonly string[] = ['event', 'content-state', 'attributes-type', 'attributes', 'stale-date', 'dismissal-date', 'relevance-score', 'alert'];

function liveActivityMessage(push: AcceptedPush, ios: JsonObject): ApnsMessage {
  const aps: JsonObject = { timestamp: Math.floor(push.createdAt / 1000) };
  for (const key of LIVE_KEYS) if (ios[key] !== undefined) aps[key] = ios[key] as Json;
  return {
    kind: 'liveactivity',
    // Starting an activity goes to the app's push-to-start token; update and end go to the
    // activity's own token, registered under its live_activity_id.
    tokenKey: ios.event === 'start' ? 'apns_start' : 'apns_activity',
    pushType: 'liveactivity',
    topicSuffix: '.push-type.liveactivity',
    priority: 10,
    expiration: expiration(push),
    payload: JSON.stringify({ aps, _j_msgid: Number(push.msgId) }),
  };
}

/**
 * The APNs requests a push makes for an iOS device, primary first: a Live Activity, or the
 * notification (alert or background), then a VoIP push when notification.voip is present.
 */
export function renderApns(push: AcceptedPush, badge: number | undefined): ApnsMessage[] {
  const out: ApnsMessage[] = [];
  const live = push.liveActivity?.ios;
  if (isObject(live)) out.push(liveActivityMessage(push, live));
  const block = iosBlock(push);
  if (block) out.push(alertMessage(push, block, badge));
  const voip = push.notification?.voip;
  if (isObject(voip)) out.push(voipMessage(push, voip));
  return out;
}

export function payloadLimit(kind: ApnsKind): number {
  return kind === 'voip' ? MAX_VOIP_PAYLOAD : MAX_PAYLOAD;
}
