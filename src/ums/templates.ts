import { PLACEHOLDER, mapStrings } from '../messaging/recipient-params.js';
import type { UmsTemplate } from '../store/ums-types.js';
import { POLICY_CHANNELS } from './policies.js';
import { UMS_CODES, illegal, umsError } from './errors.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const WHOLE_PLACEHOLDER = /^\{\{\s*([A-Za-z0-9_.-]{1,64})\s*\}\}$/;
const MAX_PARAS = 100;
const MAX_PARA_CHARS = 1000;
/** Longest `app_para.time_to_live`: ten days (reference). */
const MAX_APP_TTL = 10 * 86_400;
const TEMPLATE_FIELDS = ['template_id', 'template_para', 'app_para'];

/**
 * A template's content as the API takes it: `{"msg_<channel>": [{...}] | {...}}` for the
 * channels of `/v1/sent`. Throws an Error saying what is wrong.
 */
export function parseTemplateContent(raw: unknown): UmsTemplate['content'] {
  if (!isObject(raw) || Object.keys(raw).length === 0) throw new Error('content must be an object of msg_<channel> entries');
  const out: UmsTemplate['content'] = {};
  for (const [key, value] of Object.entries(raw)) {
    const ch = key.startsWith('msg_') ? key.slice(4) : '';
    if (!(POLICY_CHANNELS as readonly string[]).includes(ch)) throw new Error(`content.${key.slice(0, 40)} is not msg_<channel> of ${POLICY_CHANNELS.join(', ')}`);
    const m = Array.isArray(value) && value.length === 1 ? value[0] : value;
    if (!isObject(m)) throw new Error(`content.${key} must be a message object (or an array of one)`);
    if (JSON.stringify(m).length > 65_536) throw new Error(`content.${key} takes at most 64 KiB`);
    out[ch] = m;
  }
  return out;
}

export function templateToWire(t: UmsTemplate) {
  return {
    template_id: t.templateId,
    name: t.name,
    general: t.general,
    enabled: t.enabled,
    content: Object.fromEntries(Object.entries(t.content).map(([ch, m]) => [`msg_${ch}`, [m]])),
  };
}

type Para = string | number | boolean;

/**
 * Fills a template's placeholders: a string that is one placeholder takes the parameter's own
 * value (so `"temp_id": "{{tid}}"` becomes a number), others have each placeholder replaced by
 * the parameter as text. A placeholder without a parameter is refused.
 */
export function renderTemplate<T>(value: T, para: Readonly<Record<string, Para>>): T {
  const lookup = (name: string): Para => {
    if (!Object.hasOwn(para, name)) throw illegal(`template_para.${name} is missing`);
    return para[name]!;
  };
  return mapStrings(value, (s) => {
    const whole = WHOLE_PLACEHOLDER.exec(s);
    return whole ? lookup(whole[1]!) : s.replace(PLACEHOLDER, (_m, name: string) => String(lookup(name)));
  }) as T;
}

function parseTemplatePara(raw: unknown): Record<string, Para> {
  if (raw === undefined) return {};
  if (!isObject(raw)) throw illegal('template_para must be an object');
  const entries = Object.entries(raw);
  if (entries.length > MAX_PARAS) throw illegal(`template_para takes at most ${MAX_PARAS} parameters`);
  for (const [k, v] of entries) {
    const ok = (typeof v === 'string' && v.length <= MAX_PARA_CHARS) || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';
    if (!ok) throw illegal(`template_para.${k.slice(0, 40)} must be a string (at most ${MAX_PARA_CHARS} characters), a number or a boolean`);
  }
  return raw as Record<string, Para>;
}

/** `app_para`: the app channel's platform and push options for the template's `msg_app`. */
function applyAppPara(app: Record<string, unknown>, raw: unknown): Record<string, unknown> {
  if (raw === undefined) return app;
  if (!isObject(raw)) throw illegal('app_para must be an object');
  for (const k of Object.keys(raw)) if (!['platform', 'time_to_live', 'apns_production'].includes(k)) throw illegal(`unknown app_para field ${k.slice(0, 40)}`);
  const out = { ...app };
  if (raw.platform !== undefined) out.platform = raw.platform;
  const options = isObject(app.options) ? { ...app.options } : {};
  if (raw.time_to_live !== undefined) {
    if (!Number.isSafeInteger(raw.time_to_live) || (raw.time_to_live as number) < 0 || (raw.time_to_live as number) > MAX_APP_TTL) {
      throw illegal(`app_para.time_to_live must be 0..${MAX_APP_TTL} seconds`);
    }
    options.time_to_live = raw.time_to_live;
  }
  if (raw.apns_production !== undefined) {
    if (typeof raw.apns_production !== 'boolean') throw illegal('app_para.apns_production must be a boolean');
    options.apns_production = raw.apns_production;
  }
  if (Object.keys(options).length > 0) out.options = options;
  return out;
}

/**
 * A `/v1/template/sent` or `/v1/template/broadcast` body as the plain send body it stands for:
 * its `msg_<channel>` objects are the template's, filled from `template_para` (and `app_para`
 * for the app). `msg_xxx` of its own is refused (1015094); an unknown template answers
 * 1015031, one that is not general 1015032, a disabled one (or a channel without VIP) 1015073.
 */
export async function expandTemplateSend(
  body: unknown,
  getTemplate: (id: number) => Promise<UmsTemplate | undefined>,
  vip: boolean,
): Promise<Record<string, unknown>> {
  if (!isObject(body)) throw illegal('the request body must be a JSON object');
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (k.startsWith('msg_')) throw umsError(UMS_CODES.msgInTemplate, `${k.slice(0, 40)} is not allowed in a template send: the template holds the message`);
    if (!TEMPLATE_FIELDS.includes(k)) rest[k] = v;
  }
  const id = body.template_id;
  if (id === undefined) throw illegal('template_id is required');
  if (!Number.isSafeInteger(id) || (id as number) < 1) throw illegal('template_id must be a positive integer');
  const t = await getTemplate(id as number);
  if (!t) throw umsError(UMS_CODES.templateNotFound, `template ${String(id)} does not exist`);
  if (!t.general) throw umsError(UMS_CODES.notGeneralTemplate, `template ${t.templateId} is not a general template`);
  if (!t.enabled || !vip) throw umsError(UMS_CODES.templateInvalid, `template ${t.templateId} is ${t.enabled ? 'a VIP feature this channel lacks' : 'disabled'}`);
  const para = parseTemplatePara(body.template_para);
  for (const [ch, m] of Object.entries(t.content)) {
    const filled = renderTemplate(m, para);
    rest[`msg_${ch}`] = [ch === 'app' ? applyAppPara(filled, body.app_para) : filled];
  }
  if (body.app_para !== undefined && !('app' in t.content)) applyAppPara({}, body.app_para); // still checked
  return rest;
}
