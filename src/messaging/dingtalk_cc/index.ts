import { mapBounded } from '../../channels/vendor-http.js';
import { AccessTokenCache, type IssuesAccessTokens } from '../access-tokens.js';
import { classifyErrcode, errcodeOf, issueErrcodeToken, postWithToken, type ErrcodeRules } from '../errcode-api.js';
import { checkString, isObject, type Obj } from '../message-checks.js';
import { fillParams } from '../recipient-params.js';
import { sendBatched, tokenChannel, type TokenSource } from '../token-channel.js';
import type { DeliveryReport, MessagingChannel, MessagingCredentials, MessagingResult, ReportsDelivery } from '../types.js';
import type { VendorHttpOptions } from '../vendor-call.js';

/**
 * DingTalk work notice (`msg_dingtalk_cc`): `topapi/message/corpconversation/asyncsend_v2`
 * with the application's `agent_id` and up to 100 userids a request (`userid_list`, comma
 * separated). DingTalk delivers asynchronously and answers a `task_id`, which becomes the
 * vendor message id. Credentials: `appkey`, `appsecret` and `agent_id`.
 */

export const DINGTALK_RULES: ErrcodeRules = {
  vendor: 'DingTalk',
  // 40014 invalid access_token, 42001 access_token expired (also as sub_code of errcode 88)
  tokenInvalid: new Set([40014, 42001]),
  // -1 system busy; 90002, 90006, 90018, 90019 call-frequency limits
  retryable: new Set([-1, 90002, 90006, 90018, 90019]),
  // 33012 invalid userid, 60121 user not found
  invalidTarget: new Set([33012, 60121]),
  // errcode 88 means "look at sub_code"
  codeOf(body) {
    const code = errcodeOf(body);
    const sub = body.sub_code;
    if (code === 88 && typeof sub === 'string' && /^-?\d{1,9}$/.test(sub)) return Number(sub);
    return code;
  },
};

const USERS_PER_REQUEST = 100;
const USERID = /^[A-Za-z0-9_.@-]{1,64}$/;
/** Longest text content accepted (DingTalk advises 500 characters; longer ones are its to refuse). */
const MAX_CONTENT_CHARS = 5000;

interface DingTalkCredentials {
  appkey: string;
  appsecret: string;
  agentId: number;
}

function parseCredentials(raw: MessagingCredentials | Obj): DingTalkCredentials | string {
  const { appkey, appsecret, agent_id: agentId } = raw;
  if (typeof appkey !== 'string' || !/^[A-Za-z0-9]{6,64}$/.test(appkey)) return 'appkey must be the application key (letters and digits)';
  if (typeof appsecret !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(appsecret)) return 'appsecret must be the application secret';
  const agent = typeof agentId === 'string' && /^\d{1,15}$/.test(agentId) ? Number(agentId) : agentId;
  if (typeof agent !== 'number' || !Number.isSafeInteger(agent) || agent < 1) return 'agent_id must be the application AgentId (a positive integer)';
  return { appkey, appsecret, agentId: agent };
}

export function validateDingTalkMessage(message: Obj): string | undefined {
  const msg = message.msg;
  if (!isObject(msg)) return 'msg is required and must be an object';
  if (msg.msgtype !== 'text') return 'msg.msgtype must be text';
  if (!isObject(msg.text)) return 'msg.text is required and must be an object';
  return checkString(msg.text, 'content', { required: true, maxChars: MAX_CONTENT_CHARS }, 'msg.text.');
}

function tokenSource(options: VendorHttpOptions, cred: DingTalkCredentials): TokenSource {
  const url = `${options.endpoint}/gettoken?${new URLSearchParams({ appkey: cred.appkey, appsecret: cred.appsecret }).toString()}`;
  return { key: AccessTokenCache.keyOf('dingtalk', options.endpoint, cred.appkey, cred.appsecret), issue: () => issueErrcodeToken(DINGTALK_RULES, url, options.timeoutMs) };
}

const FAILED_LISTS: readonly [string, string][] = [
  ['invalid_user_id_list', 'DingTalk: not a member of the organization'],
  ['forbidden_user_id_list', 'DingTalk: over the per-user notice limit'],
  ['failed_user_id_list', 'DingTalk: delivery failed'],
];

const idsIn = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length <= 64) : []);

export function createDingTalkChannel(options: VendorHttpOptions): MessagingChannel & IssuesAccessTokens & ReportsDelivery {
  async function sendRequest(msg: unknown, users: string[], cred: DingTalkCredentials, tokens: AccessTokenCache): Promise<MessagingResult[]> {
    const source = tokenSource(options, cred);
    const reply = await postWithToken(DINGTALK_RULES, {
      tokens,
      tokenKey: source.key,
      issue: source.issue,
      url: (token) => `${options.endpoint}/topapi/message/corpconversation/asyncsend_v2?access_token=${encodeURIComponent(token)}`,
      body: { agent_id: cred.agentId, userid_list: users.join(','), msg },
      timeoutMs: options.timeoutMs,
    });
    if (reply.kind === 'failed') return users.map(() => reply.result);
    if (reply.code !== 0) {
      const result = classifyErrcode(DINGTALK_RULES, reply.code, reply.body);
      // one bad userid refuses the whole request: find it by sending to each alone
      if (result.kind === 'invalidTarget' && users.length > 1) {
        return (await mapBounded(users, options.concurrency, (u) => sendRequest(msg, [u], cred, tokens))).flat();
      }
      return users.map(() => result);
    }
    const task = reply.body.task_id;
    const vendorMessageId = typeof task === 'number' || (typeof task === 'string' && task.length <= 64) ? String(task) : undefined;
    return users.map(() => (vendorMessageId ? { kind: 'submitted', vendorMessageId } : { kind: 'submitted' }));
  }

  const channel = tokenChannel<DingTalkCredentials>({
    id: 'dingtalk_cc',
    maxBatch: USERS_PER_REQUEST,
    validate: validateDingTalkMessage,
    parseCredentials,
    tokenSource: (cred) => tokenSource(options, cred),
    send: (message, recipients, cred, tokens) =>
      sendBatched(
        recipients,
        { perRequest: USERS_PER_REQUEST, concurrency: options.concurrency, laneOf: (a) => (USERID.test(a) ? { lane: 'user' } : { invalid: 'not a DingTalk userid' }) },
        (params, _lane, users) => sendRequest(fillParams(message.msg, params), users, cred, tokens),
      ),
  });

  /** `getsendresult` of a task (the vendor message id of a send): who read, who did not yet, who cannot get it. */
  async function deliveryReport(taskId: string, raw: MessagingCredentials): Promise<DeliveryReport> {
    const cred = parseCredentials(raw);
    if (typeof cred === 'string') throw new Error(`credentials: ${cred}`);
    if (!/^\d{1,19}$/.test(taskId)) throw new Error('not a DingTalk task id');
    const source = tokenSource(options, cred);
    const reply = await postWithToken(DINGTALK_RULES, {
      tokens: channel.tokens,
      tokenKey: source.key,
      issue: source.issue,
      url: (token) => `${options.endpoint}/topapi/message/corpconversation/getsendresult?access_token=${encodeURIComponent(token)}`,
      body: { agent_id: cred.agentId, task_id: Number(taskId) },
      timeoutMs: options.timeoutMs,
    });
    if (reply.kind === 'failed') throw new Error(reply.result.kind === 'failed' ? reply.result.reason : 'DingTalk: no answer');
    if (reply.code !== 0) throw new Error(`DingTalk errcode ${reply.code}`);
    const result = isObject(reply.body.send_result) ? reply.body.send_result : {};
    const read = idsIn(result.read_user_id_list);
    return {
      delivered: [...read, ...idsIn(result.unread_user_id_list)],
      read,
      failed: FAILED_LISTS.flatMap(([field, reason]) => idsIn(result[field]).map((address) => ({ address, reason }))),
    };
  }

  return Object.assign(channel, { deliveryReport });
}
