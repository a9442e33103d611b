import type { UmsBindingChange, UmsBindKind } from '../store/ums-types.js';

/** User ids: letters, digits, _ and @!#$&*+=.|¥, at most 64 characters (reference, aud_userid). */
export const USERID = /^[A-Za-z0-9_@!#$&*+=.|¥￥]{1,64}$/u;
/** Tags: as user ids plus any letter (Chinese included), at most 40 bytes of UTF-8. */
const TAG = /^[\p{L}\p{N}_@!#$&*+=.|¥￥]+$/u;
export const MAX_TAG_BYTES = 40;
const MAX_VALUE = 256;
/** Values of one kind under one bind id a request may carry. */
const MAX_VALUES = 1000;
export const GLOBAL_BIND = 'all';

/** Control characters stay out of stored ids and names (PostgreSQL text refuses NUL). */
export function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

export function validTag(t: unknown): t is string {
  return typeof t === 'string' && TAG.test(t) && Buffer.byteLength(t) <= MAX_TAG_BYTES;
}

/** Kinds holding many values per bind id; the others hold one. */
const MULTI = new Set<UmsBindKind>(['tag', 'app', 'wechatwk_linkedcorp']);
/** Kinds given as `{bind_id: value(s)}`; the others are global (`"value"` or `["values"]`). */
const KEYED = new Set<UmsBindKind>(['tag', 'phone', 'email', 'app', 'wechatoa', 'wechatmp', 'alipaylife']);
/** Kinds a bind id of "all" is allowed for (app and the openid channels need a channel code). */
const GLOBAL_OK = new Set<UmsBindKind>(['tag', 'phone', 'email', 'dingtalkcc', 'wechatwk', 'wechatwk_linkedcorp']);
const KINDS: readonly UmsBindKind[] = ['tag', 'phone', 'email', 'app', 'wechatoa', 'wechatmp', 'alipaylife', 'dingtalkcc', 'wechatwk', 'wechatwk_linkedcorp'];

const PHONE = /^\+?[0-9]{5,20}$/;
const EMAIL = /^[^\s@<>(),;:"]{1,64}@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

function checkValue(kind: UmsBindKind, v: unknown): string {
  if (kind === 'tag') {
    if (!validTag(v)) throw new Error(`tag ${JSON.stringify(v)} is not a valid tag`);
    return v;
  }
  if (typeof v !== 'string' || v === '' || v.length > MAX_VALUE || /\s/.test(v) || hasControlChars(v)) throw new Error(`${kind} values must be non-empty strings without spaces`);
  if (kind === 'phone' && !PHONE.test(v)) throw new Error(`phone ${JSON.stringify(v)} is not a mobile number`);
  if (kind === 'email' && !EMAIL.test(v)) throw new Error(`email ${JSON.stringify(v)} is not an email address`);
  if (kind === 'wechatwk_linkedcorp' && !/^[^/]+\/[^/]+$/.test(v)) throw new Error('wechatwk_linkedcorp values are CorpId/userid');
  return v;
}

function valuesOf(kind: UmsBindKind, raw: unknown): string[] {
  const list = MULTI.has(kind) ? raw : [raw];
  if (!Array.isArray(list) || list.length > MAX_VALUES) throw new Error(`${kind} takes ${MULTI.has(kind) ? `an array of at most ${MAX_VALUES} values` : 'one string'}`);
  return list.map((v) => checkValue(kind, v));
}

/**
 * One entry of `POST /v1/user/opt` as store changes: `add` adds values, `set` replaces the
 * values of each (kind, bind id) it names, `del` removes the values it names. `mayBind` says
 * whether the caller may write under a bind id (a channel only under its own). Throws an Error
 * whose message is the entry's errmsg.
 */
export function parseUserOpt(entry: unknown, mayBind: (bindId: string) => boolean): { userid: string; changes: UmsBindingChange[] } {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new Error('each entry must be an object');
  const e = entry as Record<string, unknown>;
  if (typeof e.userid !== 'string' || !USERID.test(e.userid)) throw new Error('userid must be 1..64 letters, digits, _ or @!#$&*+=.|¥');
  for (const k of Object.keys(e)) if (!['userid', 'add', 'set', 'del'].includes(k)) throw new Error(`unknown field ${k}`);
  const changes: UmsBindingChange[] = [];
  for (const op of ['del', 'set', 'add'] as const) {
    const ops = e[op];
    if (ops === undefined) continue;
    if (typeof ops !== 'object' || ops === null || Array.isArray(ops)) throw new Error(`${op} must be an object`);
    for (const [name, raw] of Object.entries(ops as Record<string, unknown>)) {
      const kind = KINDS.find((k) => k === name);
      if (!kind) throw new Error(`${op}.${name} is not a binding kind`);
      if (op === 'add' && !MULTI.has(kind)) throw new Error(`add supports tag, app and wechatwk_linkedcorp; use set for ${kind}`);
      const byBind: [string, unknown][] = KEYED.has(kind)
        ? typeof raw === 'object' && raw !== null && !Array.isArray(raw)
          ? Object.entries(raw as Record<string, unknown>)
          : (() => {
              throw new Error(`${op}.${kind} must be an object of bind id to value`);
            })()
        : [[GLOBAL_BIND, raw]];
      for (const [bindId, values] of byBind) {
        if (bindId === '' || bindId.length > 64 || /\s/.test(bindId) || hasControlChars(bindId)) throw new Error(`bind id ${JSON.stringify(bindId)} is not valid`);
        if (bindId === GLOBAL_BIND && !GLOBAL_OK.has(kind)) throw new Error(`${kind} must be bound under a channel code, not "all"`);
        if (!mayBind(bindId)) throw new Error(`bind id ${JSON.stringify(bindId)} is not this channel's`);
        const list = valuesOf(kind, values);
        if (op === 'set') changes.push({ op: 'clear', kind, bindId });
        for (const value of list) changes.push({ op: op === 'del' ? 'del' : 'add', binding: { kind, bindId, value } });
      }
    }
  }
  return { userid: e.userid, changes };
}
