import { ApiError } from '../../domain/errors.js';
import type { MessagingRegistry } from '../../messaging/registry.js';
import { UMS_CODES, illegal, umsError } from '../../ums/errors.js';
import type { UmsSendRequest } from '../../ums/service.js';
import { USERID, hasControlChars, validTag } from '../../ums/users.js';
import { parseJPushPush } from '../jpush/validate-push.js';

/** Channels of `msg_<id>` / `aud_<id>`: the app and every messaging channel. */
const CHANNELS = ['app', 'sms', 'email', 'wechatoa', 'wechatmp', 'alipay_life', 'dingtalk_cc', 'wechatwk'] as const;
/** WeCom's linked-corp ids share `msg_wechatwk` (reference). */
const RAW_ALIASES: Readonly<Record<string, string>> = { wechatwk_linkedcorp: 'wechatwk' };
const MAX_TAGS = 20;
const MAX_IDS = 1000;
const MAX_SENDNO = 128;
const APP_PLATFORMS = ['android', 'ios', 'hmos', 'quickapp'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `msg_app`: a JPush push object without audience, callback or VoIP, checked by the push API's
 * own validator (a missing or illegal platform has the UMS codes 1015084 / 1015085).
 */
export function checkMsgApp(m: Record<string, unknown>, appKey: string): Record<string, unknown> {
  for (const k of ['audience', 'callback']) if (k in m) throw illegal(`msg_app must not carry ${k}`);
  if (isObject(m.notification) && 'voip' in m.notification) throw illegal('msg_app must not carry notification.voip');
  const platform = m.platform;
  if (platform === undefined) throw umsError(UMS_CODES.appPlatformMissing, 'msg_app.platform is required');
  const platforms = platform === 'all' ? [] : Array.isArray(platform) ? platform : [platform];
  if ((platform !== 'all' && platforms.length === 0) || !platforms.every((p) => typeof p === 'string' && APP_PLATFORMS.includes(p))) {
    throw umsError(UMS_CODES.appPlatformIllegal, `msg_app.platform must be "all" or some of ${APP_PLATFORMS.join(', ')}`);
  }
  // a UMS message is its own identity: a cid would make every later push of the step a replay
  const { cid: _cid, ...rest } = m;
  // UMS's own example names one platform as a string; the push API takes a list
  if (typeof platform === 'string' && platform !== 'all') rest.platform = [platform];
  try {
    parseJPushPush({ ...rest, audience: 'all' }, appKey);
  } catch (err) {
    if (err instanceof ApiError) throw illegal(`msg_app: ${err.message}`);
    throw err;
  }
  return rest;
}

function stringList(v: unknown, what: string, max: number, tooMany: number = UMS_CODES.illegalParam): string[] {
  if (!Array.isArray(v) || v.length === 0) throw illegal(`${what} must be a non-empty array`);
  if (v.length > max) throw umsError(tooMany, `${what} takes at most ${max} values`);
  for (const x of v) if (typeof x !== 'string' || x === '' || x.length > 256 || hasControlChars(x)) throw illegal(`${what} must hold non-empty strings without control characters`);
  return v as string[];
}

/** The body of `/v1/sent` or `/v1/broadcast` as a send request. */
export function parseSendRequest(body: unknown, kind: 'sent' | 'broadcast', messaging: MessagingRegistry, appKey: string): UmsSendRequest {
  if (!isObject(body)) throw illegal('the request body must be a JSON object');
  const content: Record<string, Record<string, unknown>> = {};
  const raw: Record<string, string[]> = {};
  let users: UmsSendRequest['users'];
  let hasUsers = false;
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith('msg_')) {
      const ch = key.slice(4);
      if (!(CHANNELS as readonly string[]).includes(ch)) throw illegal(`${key} is not a channel`);
      if (!Array.isArray(value) || value.length !== 1 || !isObject(value[0])) throw illegal(`${key} must be an array of one message object`);
      const m = value[0];
      if (ch === 'app') content.app = checkMsgApp(m, appKey);
      else {
        if (ch === 'sms' && m.content === undefined && (!Number.isSafeInteger(m.temp_id) || (m.temp_id as number) < 1)) {
          throw umsError(UMS_CODES.smsTemplateId, 'msg_sms.temp_id is not a JSMS template id (a positive integer)');
        }
        const impl = messaging.get(ch as never);
        // a channel this build lacks is refused when the send is checked (its channel code)
        const problem = impl?.validate(m);
        if (problem) throw illegal(problem);
        content[ch] = m;
      }
    } else if (key.startsWith('aud_')) {
      if (kind === 'broadcast') throw illegal('a broadcast takes no aud_xxx');
      const name = key.slice(4);
      if (name === 'tag') {
        const tags = stringList(value, 'aud_tag', MAX_TAGS);
        for (const t of tags) if (!validTag(t)) throw illegal(`aud_tag ${JSON.stringify(String(t).slice(0, 60))} is not a valid tag (40 bytes at most)`);
        if (hasUsers) throw illegal('use one of aud_tag, aud_userid and aud_segment');
        users = { tags };
        hasUsers = true;
      } else if (name === 'userid') {
        const ids = stringList(value, 'aud_userid', MAX_IDS, UMS_CODES.tooManyUsers);
        for (const u of ids) if (!USERID.test(u)) throw illegal(`aud_userid ${JSON.stringify(u.slice(0, 70))} is not a valid user id`);
        if (hasUsers) throw illegal('use one of aud_tag, aud_userid and aud_segment');
        users = { userids: ids };
        hasUsers = true;
      } else if (name === 'segment') {
        const ids = stringList(value, 'aud_segment', 1);
        if (hasUsers) throw illegal('use one of aud_tag, aud_userid and aud_segment');
        users = { segment: ids[0]! };
        hasUsers = true;
      } else {
        const ch = RAW_ALIASES[name] ?? name;
        if (!(CHANNELS as readonly string[]).includes(ch)) throw illegal(`${key} is not a channel`);
        if (!Array.isArray(value) || value.length === 0) throw illegal(`${key} must be a non-empty array of {"instance","data"}`);
        const list = (raw[ch] ??= []);
        for (const entry of value) {
          if (!isObject(entry)) throw illegal(`${key} entries are objects {"instance","data"}`);
          if (entry.instance !== undefined && typeof entry.instance !== 'string') throw illegal(`${key}.instance must be a string`);
          list.push(...stringList(entry.data, `${key}.data`, MAX_IDS));
        }
        if (list.length > MAX_IDS) throw illegal(`${key} takes at most ${MAX_IDS} ids`);
      }
    } else if (!['rule_id', 'option', 'callback'].includes(key)) {
      throw illegal(`unknown field ${key.slice(0, 60)}`);
    }
  }
  const rawChannels = Object.keys(raw);
  if (rawChannels.length > 0) {
    if (hasUsers) throw illegal('custom channel ids (aud_<channel>) and user targets (aud_tag, aud_userid, aud_segment) cannot be mixed');
    const msgChannels = Object.keys(content);
    if (rawChannels.length !== msgChannels.length || !rawChannels.every((c) => c in content)) {
      throw illegal('with custom channel ids, aud_<channel> and msg_<channel> must name the same channels');
    }
  } else if (kind === 'sent' && !hasUsers) throw illegal('the message has no audience (aud_xxx)');

  const ruleId = body.rule_id ?? 0;
  if (!Number.isSafeInteger(ruleId) || (ruleId as number) < 0) throw illegal('rule_id must be a non-negative integer');
  const req: UmsSendRequest = { kind, content, ruleId: ruleId as number, priority: 2, ...(users && { users }), ...(rawChannels.length > 0 && { raw }) };

  if (body.option !== undefined) {
    const o = body.option;
    if (!isObject(o)) throw illegal('option must be an object');
    for (const k of Object.keys(o)) if (!['sendno', 'owner', 'black_id', 'white_id', 'priority'].includes(k)) throw illegal(`unknown option ${k.slice(0, 60)}`);
    if (o.sendno !== undefined) {
      if (typeof o.sendno !== 'string' || o.sendno.length > MAX_SENDNO) throw illegal(`option.sendno must be a string of at most ${MAX_SENDNO} characters`);
      req.sendno = o.sendno;
    }
    if (o.owner !== undefined) {
      if (typeof o.owner !== 'string' || o.owner.length > 128) throw illegal('option.owner must be a string');
      req.owner = o.owner;
    }
    if (o.black_id !== undefined && o.white_id !== undefined) throw umsError(UMS_CODES.blackAndWhite, 'option.black_id and option.white_id cannot be given together');
    for (const k of ['black_id', 'white_id'] as const) {
      if (o[k] !== undefined && (!Number.isSafeInteger(o[k]) || (o[k] as number) < 1)) throw illegal(`option.${k} must be a positive integer`);
    }
    if (o.black_id !== undefined) req.blackId = o.black_id as number;
    if (o.white_id !== undefined) req.whiteId = o.white_id as number;
    if (o.priority !== undefined) {
      if (![1, 2, 3].includes(o.priority as number)) throw illegal('option.priority must be 1 (high), 2 (medium) or 3 (low)');
      req.priority = o.priority as number;
    }
  }
  if (body.callback !== undefined) {
    const c = body.callback;
    if (!isObject(c)) throw illegal('callback must be an object');
    if (c.url !== undefined && (typeof c.url !== 'string' || !/^https?:\/\/\S+$/.test(c.url) || c.url.length > 2048)) throw illegal('callback.url must be an http(s) URL');
    if (c.params !== undefined && !isObject(c.params)) throw illegal('callback.params must be an object');
    if (c.params !== undefined && JSON.stringify(c.params).length > 4096) throw illegal('callback.params takes at most 4096 bytes');
    req.callback = { ...(c.url !== undefined && { url: c.url as string }), ...(c.params !== undefined && { params: c.params as Record<string, unknown> }) };
  }
  return req;
}
