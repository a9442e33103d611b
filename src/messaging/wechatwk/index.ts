import { AccessTokenCache, type IssuesAccessTokens } from '../access-tokens.js';
import { classifyErrcode, issueErrcodeToken, postWithToken, type ErrcodeRules } from '../errcode-api.js';
import type { Obj } from '../message-checks.js';
import { fillParams } from '../recipient-params.js';
import { sendBatched, tokenChannel, type Lane, type TokenSource } from '../token-channel.js';
import type { MessagingChannel, MessagingCredentials, MessagingResult } from '../types.js';
import type { VendorHttpOptions } from '../vendor-call.js';
import { validateWecomMessage } from './validate.js';

/**
 * WeCom (WeChat Work, `msg_wechatwk`): application messages through `cgi-bin/message/send`,
 * up to 1,000 members a request (`touser` joined with `|`). Members of linked corporations,
 * addressed `CorpId/userid`, go through `cgi-bin/linkedcorp/message/send` with the same
 * message. Members WeCom reports in `invaliduser` / `unlicenseduser` are invalid targets.
 * Credentials: `corpid`, `corpsecret` (the application's secret) and `agentid`.
 */

export const WECOM_RULES: ErrcodeRules = {
  vendor: 'WeCom',
  // 40014 invalid access_token, 42001 access_token expired
  tokenInvalid: new Set([40014, 42001]),
  // -1 system busy, 45009 API frequency limit, 45033 too many concurrent calls, 45011 minute quota
  retryable: new Set([-1, 45009, 45011, 45033]),
  // 81013 every addressee invalid or outside the application's visible range
  invalidTarget: new Set([81013]),
};

/** Members a request may name (WeCom's limit for `touser`). */
const MEMBERS_PER_REQUEST = 1000;
const USERID = /^[A-Za-z0-9_.@-]{1,64}$/;
const LINKED_USERID = /^[A-Za-z0-9_-]{1,64}\/[A-Za-z0-9_.@-]{1,64}$/;
const SENT_FIELDS = ['safe', 'enable_id_trans', 'enable_duplicate_check', 'duplicate_check_interval'] as const;

interface WecomCredentials {
  corpid: string;
  corpsecret: string;
  agentid: number;
}

function parseCredentials(raw: MessagingCredentials | Obj): WecomCredentials | string {
  const { corpid, corpsecret, agentid } = raw;
  if (typeof corpid !== 'string' || !/^[A-Za-z0-9]{6,64}$/.test(corpid)) return 'corpid must be the corporation id (letters and digits)';
  if (typeof corpsecret !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(corpsecret)) return 'corpsecret must be the application secret';
  const agent = typeof agentid === 'string' && /^\d{1,10}$/.test(agentid) ? Number(agentid) : agentid;
  if (typeof agent !== 'number' || !Number.isSafeInteger(agent) || agent < 1) return 'agentid must be the application id (a positive integer)';
  return { corpid, corpsecret, agentid: agent };
}

/** The member ids WeCom named in a list field (a `|`-joined string, or an array for linked corps), lower-cased. */
function namedMembers(value: unknown): Set<string> {
  const list = typeof value === 'string' ? value.split('|') : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  return new Set(list.filter(Boolean).map((u) => u.toLowerCase()));
}

function tokenSource(options: VendorHttpOptions, cred: WecomCredentials): TokenSource {
  const url = `${options.endpoint}/cgi-bin/gettoken?${new URLSearchParams({ corpid: cred.corpid, corpsecret: cred.corpsecret }).toString()}`;
  return { key: AccessTokenCache.keyOf('wecom', options.endpoint, cred.corpid, cred.corpsecret), issue: () => issueErrcodeToken(WECOM_RULES, url, options.timeoutMs) };
}

function laneOf(address: string): Lane<'internal' | 'linked'> {
  if (USERID.test(address)) return { lane: 'internal' };
  if (LINKED_USERID.test(address)) return { lane: 'linked' };
  return { invalid: 'not a WeCom userid or CorpId/userid' };
}

export function createWecomChannel(options: VendorHttpOptions): MessagingChannel & IssuesAccessTokens {
  /** One request to `members` (all internal or all linked); a result per member, in order. */
  async function sendRequest(content: Record<string, unknown>, members: string[], linked: boolean, cred: WecomCredentials, tokens: AccessTokenCache): Promise<MessagingResult[]> {
    const body = { ...content, touser: linked ? members : members.join('|'), agentid: cred.agentid };
    const source = tokenSource(options, cred);
    const path = linked ? '/cgi-bin/linkedcorp/message/send' : '/cgi-bin/message/send';
    const reply = await postWithToken(WECOM_RULES, {
      tokens,
      tokenKey: source.key,
      issue: source.issue,
      url: (token) => `${options.endpoint}${path}?access_token=${encodeURIComponent(token)}`,
      body,
      timeoutMs: options.timeoutMs,
    });
    if (reply.kind === 'failed') return members.map(() => reply.result);
    if (reply.code !== 0) {
      const result = classifyErrcode(WECOM_RULES, reply.code, reply.body);
      return members.map(() => result);
    }
    const invalid = namedMembers(reply.body.invaliduser);
    const unlicensed = namedMembers(reply.body.unlicenseduser);
    const msgid = typeof reply.body.msgid === 'string' && reply.body.msgid.length <= 256 ? reply.body.msgid : undefined;
    return members.map((m): MessagingResult => {
      const id = m.toLowerCase();
      if (invalid.has(id)) return { kind: 'invalidTarget', reason: 'WeCom: not a member, or outside the application' };
      if (unlicensed.has(id)) return { kind: 'invalidTarget', reason: 'WeCom: member has no license for the application' };
      return msgid ? { kind: 'submitted', vendorMessageId: msgid } : { kind: 'submitted' };
    });
  }

  /** The message as WeCom takes it, with this group's variables filled in. */
  function contentOf(message: Obj, params: Readonly<Record<string, string>> | undefined): Record<string, unknown> {
    const type = message.msgtype as string;
    const content: Record<string, unknown> = { msgtype: type, [type]: fillParams(message[type], params) };
    for (const f of SENT_FIELDS) if (message[f] !== undefined && message[f] !== null) content[f] = message[f];
    return content;
  }

  return tokenChannel<WecomCredentials>({
    id: 'wechatwk',
    maxBatch: MEMBERS_PER_REQUEST,
    validate: validateWecomMessage,
    parseCredentials,
    tokenSource: (cred) => tokenSource(options, cred),
    send: (message, recipients, cred, tokens) =>
      sendBatched(recipients, { perRequest: MEMBERS_PER_REQUEST, concurrency: options.concurrency, laneOf }, (params, lane, members) =>
        sendRequest(contentOf(message, params), members, lane === 'linked', cred, tokens),
      ),
  });
}
