import type { KeyObject } from 'node:crypto';
import { mapBounded } from '../../channels/vendor-http.js';
import { charCount, checkString, firstError, isObject, type Obj } from '../message-checks.js';
import { fillParams } from '../recipient-params.js';
import type { MessagingChannel, MessagingCredentials, MessagingRecipient, MessagingResult } from '../types.js';
import { asObject, callVendor, excerpt, type VendorHttpOptions } from '../vendor-call.js';
import { alipayTimestamp, rawMember, readRsaKey, signingString, signRsa2, verifyRsa2 } from './signing.js';

/**
 * Alipay life account (`msg_alipay_life`): a template message through the open-platform
 * gateway's `alipay.open.public.message.single.send`, one request per recipient, signed RSA2
 * with the application's private key; answers are verified with the Alipay public key.
 * Recipients are Alipay user ids (`2088...`, sent as `to_user_id`) or OpenIDs (`to_open_id`).
 * Credentials: `app_id`, `private_key` and `alipay_public_key` (PEM, or Alipay's bare base64).
 */

const METHOD = 'alipay.open.public.message.single.send';
const RESPONSE_MEMBER = 'alipay_open_public_message_single_send_response';

const USER_ID = /^2088\d{12}$/;
const OPEN_ID = /^[A-Za-z0-9_-]{16,128}$/;
/** sub_codes naming the addressee (unknown, not following the account): hedged, matched loosely. */
const TARGET_SUB_CODE = /invalid[-_.]?(openid|open[-_]id|user[-_]?id)|user[-_.]?not[-_.]?(exist|follow)|unfollow/i;

interface AlipayCredentials {
  appId: string;
  privateKey: KeyObject;
  alipayPublicKey: KeyObject;
}

function parseCredentials(raw: MessagingCredentials | Obj): AlipayCredentials | string {
  const { app_id: appId, private_key: priv, alipay_public_key: pub } = raw;
  if (typeof appId !== 'string' || !/^\d{16}$/.test(appId)) return 'app_id must be the 16-digit Alipay application id';
  if (typeof priv !== 'string' || priv.length > 16_384) return 'private_key must be the application RSA private key';
  if (typeof pub !== 'string' || pub.length > 16_384) return 'alipay_public_key must be the Alipay RSA public key';
  const privateKey = readRsaKey('private', priv);
  if (typeof privateKey === 'string') return `private_key: ${privateKey}`;
  const alipayPublicKey = readRsaKey('public', pub);
  if (typeof alipayPublicKey === 'string') return `alipay_public_key: ${alipayPublicKey}`;
  return { appId, privateKey, alipayPublicKey };
}

/** Width as Alipay counts `action_name`: a Chinese character counts as two. */
function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]/.test(ch) ? 2 : 1;
  return width;
}

export function validateAlipayLifeMessage(msg: Obj): string | undefined {
  const context = msg.context;
  return firstError(
    () => checkString(msg, 'template_id', { required: true, maxChars: 128 }),
    () => (isObject(context) ? undefined : 'context is required and must be an object'),
    () => checkString(context as Obj, 'head_color', { required: true, maxChars: 10 }, 'context.'),
    () => checkString(context as Obj, 'url', { required: true, maxChars: 256 }, 'context.'),
    () => checkString(context as Obj, 'action_name', { required: true }, 'context.'),
    () => (displayWidth((context as Obj).action_name as string) > 16 ? 'context.action_name must be at most 8 Chinese or 16 Latin characters' : undefined),
    () => {
      for (const [key, entry] of Object.entries(context as Obj)) {
        if (key === 'head_color' || key === 'url' || key === 'action_name') continue;
        if (!/^(first|remark|keyword\d{1,2})$/.test(key)) return `context.${key} is not a template placeholder (first, remark, keyword1...)`;
        if (!isObject(entry)) return `context.${key} must be an object with a value`;
        const error = checkString(entry, 'value', { required: true }, `context.${key}.`) ?? checkString(entry, 'color', { maxChars: 10 }, `context.${key}.`);
        if (error) return error;
        if (charCount(entry.value as string) > 128) return `context.${key}.value must be at most 128 characters`;
      }
      return undefined;
    },
  );
}

export function createAlipayLifeChannel(options: VendorHttpOptions): MessagingChannel {
  async function sendOne(message: Obj, recipient: MessagingRecipient, cred: AlipayCredentials): Promise<MessagingResult> {
    const address = recipient.address;
    const to = USER_ID.test(address) ? { to_user_id: address } : OPEN_ID.test(address) ? { to_open_id: address } : undefined;
    if (!to) return { kind: 'invalidTarget', reason: 'not an Alipay user id or OpenID' };
    const template = { template_id: message.template_id, context: fillParams(message.context, recipient.params) };
    const params: Record<string, string> = {
      app_id: cred.appId,
      method: METHOD,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: alipayTimestamp(),
      version: '1.0',
      biz_content: JSON.stringify({ ...to, template }),
    };
    params.sign = signRsa2(signingString(params), cred.privateKey);
    // the common parameters travel in the query string, the business content in the form body
    const { biz_content: bizContent, ...common } = params;
    const url = `${options.endpoint}${options.endpoint.includes('?') ? '&' : '?'}${new URLSearchParams(common).toString()}`;
    const reply = await callVendor(
      url,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' }, body: new URLSearchParams({ biz_content: bizContent! }).toString() },
      options.timeoutMs,
    );
    if (!reply.ok) return { kind: 'failed', reason: `Alipay: ${reply.reason}`, retry: true };
    return classifyAnswer(reply.status, reply.text, reply.json, cred);
  }

  return {
    id: 'alipay_life',
    maxBatch: 100,
    validate: validateAlipayLifeMessage,
    checkCredentials(raw) {
      const cred = parseCredentials(raw);
      return typeof cred === 'string' ? cred : undefined;
    },
    async send(message, recipients, credentials) {
      const cred = parseCredentials(credentials);
      if (typeof cred === 'string') return recipients.map(() => ({ kind: 'failed', reason: `credentials: ${cred}`, retry: false }));
      const invalid = isObject(message) ? validateAlipayLifeMessage(message) : 'not an object';
      if (invalid) return recipients.map(() => ({ kind: 'failed', reason: `message: ${invalid}`, retry: false }));
      return mapBounded(recipients, options.concurrency, (r) => sendOne(message, r, cred));
    },
    async close() {},
  };
}

/**
 * Reads the gateway's answer. Codes: 10000 success; 20000 service unavailable and 40005 call
 * limits are retried; 40002 / 40004 naming the user are invalid targets; the rest are refusals.
 * A signed answer must verify; a success must be signed (error answers may come unsigned).
 */
function classifyAnswer(status: number, text: string, json: unknown, cred: AlipayCredentials): MessagingResult {
  const body = asObject(json);
  const member = body ? (asObject(body[RESPONSE_MEMBER]) ? RESPONSE_MEMBER : asObject(body.error_response) ? 'error_response' : undefined) : undefined;
  if (!body || !member) {
    const retry = status === 429 || status >= 500 || status === 200;
    return { kind: 'failed', reason: `Alipay answered HTTP ${status} without a ${RESPONSE_MEMBER}: ${excerpt(text)}`, retry };
  }
  const answer = body[member] as Record<string, unknown>;
  const code = typeof answer.code === 'string' ? answer.code : String(answer.code ?? '');
  const subCode = typeof answer.sub_code === 'string' ? answer.sub_code.slice(0, 100) : '';
  const sign = body.sign;
  if (typeof sign === 'string') {
    const signed = rawMember(text, member);
    if (signed === undefined || !verifyRsa2(signed, sign, cred.alipayPublicKey)) {
      return { kind: 'failed', reason: 'Alipay answer signature does not verify with alipay_public_key', retry: false };
    }
  } else if (code === '10000') {
    return { kind: 'failed', reason: 'Alipay answered success without a signature', retry: false };
  }
  if (code === '10000') return { kind: 'submitted' };
  const detail = [typeof answer.msg === 'string' ? answer.msg : '', subCode, typeof answer.sub_msg === 'string' ? answer.sub_msg : ''].filter(Boolean).join(' ');
  const reason = `Alipay code ${code}${detail ? `: ${excerpt(detail)}` : ''}`;
  const errorCode = subCode || code;
  if ((code === '40002' || code === '40004') && TARGET_SUB_CODE.test(subCode)) return { kind: 'invalidTarget', reason };
  const retry = code === '20000' || code === '40005' || /app-call-limited|method-call-limited|unknow-error|SYSTEM_ERROR/i.test(subCode);
  return { kind: 'failed', reason, code: errorCode, retry };
}
