import type { MessagingRegistry } from '../messaging/registry.js';
import type { UmsBinding, UmsChannelRecord, UmsJobInsert, UmsMessageRecord, UmsPolicyStep, UmsStore } from '../store/ums-types.js';
import type { UmsCallbackQueue } from './callbacks.js';
import { RECORD, type RecordFact } from './callbacks.js';
import { CHANNEL_UNUSABLE, UMS_CODES, illegal, umsError } from './errors.js';
import { messagingCredentials } from './secrets.js';
import { REVIEW_HOLD_MS } from './review.js';
import { checkSendSettings } from './settings.js';
import { GLOBAL_BIND } from './users.js';

/** A send request after its wire shape was checked (api/ums parses it). */
export interface UmsSendRequest {
  kind: 'sent' | 'broadcast';
  /** User targets; absent for a broadcast or a raw send. */
  users?: { userids?: string[]; tags?: string[]; segment?: string };
  /** Raw channel ids per channel (`aud_<channel>`), for a raw send. */
  raw?: Record<string, string[]>;
  /** `msg_<channel>` objects, one per channel. */
  content: Record<string, Record<string, unknown>>;
  ruleId: number;
  sendno?: string;
  owner?: string;
  blackId?: number;
  whiteId?: number;
  priority: number;
  callback?: { url?: string; params?: Record<string, unknown> };
}

export interface UmsServiceOptions {
  /** Milliseconds one second of a policy delay lasts. */
  secondMs: number;
  broadcastsPerDay: number;
}

/** Users read per page when a broadcast or a segment walks them all. */
const USER_PAGE = 5000;
const DAY_MS = 86_400_000;
/** A message may be retracted this long after it was sent (the reference: 24 hours). */
export const RETRACT_WINDOW_MS = DAY_MS;

/** Which addresses of a user a channel step goes to, sent from UMS channel `c`. */
export function addressesFor(channel: string, bindings: readonly UmsBinding[], c: UmsChannelRecord): string[] {
  const of = (kind: string, bindId: string) => bindings.filter((b) => b.kind === kind && b.bindId === bindId).map((b) => b.value);
  const ownFirst = (kind: string) => {
    const own = of(kind, c.channelKey);
    return own.length > 0 ? own : of(kind, GLOBAL_BIND);
  };
  switch (channel) {
    case 'app':
      return c.appKey === null ? [] : of('app', c.appKey);
    case 'sms':
      return ownFirst('phone');
    case 'email':
      return ownFirst('email');
    case 'wechatoa':
    case 'wechatmp':
      return of(channel, c.channelKey);
    case 'alipay_life':
      return of('alipaylife', c.channelKey);
    case 'dingtalk_cc':
      return of('dingtalkcc', GLOBAL_BIND);
    case 'wechatwk':
      return [...of('wechatwk', GLOBAL_BIND), ...of('wechatwk_linkedcorp', GLOBAL_BIND)];
    default:
      return [];
  }
}

/**
 * Accepts UMS messages: checks what needs state (channel, credentials, owner, lists, policy,
 * daily broadcasts), resolves the audience to users and their addresses once, and stores the
 * message with one job per step and target in one transaction before answering. The
 * dispatcher then runs the jobs as they come due.
 */
export class UmsService {
  private kick: () => void = () => {};

  constructor(
    private readonly store: UmsStore,
    private readonly sealingKey: Buffer,
    private readonly messaging: MessagingRegistry,
    private readonly appExists: (appKey: string) => Promise<boolean>,
    private readonly newMsgId: () => string,
    private readonly callbacks: UmsCallbackQueue,
    private readonly options: UmsServiceOptions,
  ) {}

  onAccepted(kick: () => void): void {
    this.kick = kick;
  }

  async send(c: UmsChannelRecord, req: UmsSendRequest): Promise<{ msgid: string; sendno?: string }> {
    if (c.ownerRequired && (req.owner === undefined || req.owner === '')) throw umsError(UMS_CODES.ownerRequired, 'API review is on for this channel: option.owner is required');
    const channels = Object.keys(req.content);
    if (channels.length === 0) throw illegal('at least one msg_xxx is required');
    for (const ch of channels) await this.checkUsable(c, ch);
    const settings = await this.store.getSettings(c.channelKey);
    checkSendSettings(settings, req.content, Date.now());
    if (!settings.vip && req.blackId !== undefined) throw umsError(UMS_CODES.blackListVip, 'user blacklists are a VIP feature this channel lacks');
    if (!settings.vip && req.whiteId !== undefined) throw umsError(UMS_CODES.whiteListVip, 'user whitelists are a VIP feature this channel lacks');
    const steps = await this.stepsOf(req, channels);
    let callbackUrl: string | null = null;
    if (req.callback?.url !== undefined) {
      if (!(await this.store.callbackUrls(c.channelKey)).some((u) => u.url === req.callback!.url)) {
        throw illegal('callback.url is not a callback URL verified for this channel');
      }
      callbackUrl = req.callback.url;
    }
    // with API review on, nothing runs before the message is approved (review.ts)
    const now = Date.now();
    const start = c.ownerRequired ? now + REVIEW_HOLD_MS : now;
    const jobs: UmsJobInsert[] = [];
    if (req.raw) {
      steps.forEach((s, step) => {
        for (const address of new Set(req.raw![s.channel] ?? [])) jobs.push({ step, target: address, channel: s.channel, dueAt: start, addresses: [address] });
      });
    } else {
      const userids = await this.usersOf(c, req);
      for (let i = 0; i < userids.length; i += USER_PAGE) {
        const page = userids.slice(i, i + USER_PAGE);
        const bindings = await this.store.bindingsOf(page);
        for (const u of page) {
          const mine = bindings.get(u) ?? [];
          steps.forEach((s, step) => {
            jobs.push({ step, target: u, channel: s.channel, dueAt: start + s.delaySeconds * this.options.secondMs, addresses: addressesFor(s.channel, mine, c) });
          });
        }
      }
    }
    const message: UmsMessageRecord = {
      msgid: this.newMsgId(),
      channelKey: c.channelKey,
      kind: req.kind,
      content: req.content,
      ruleId: req.raw ? 0 : req.ruleId,
      steps,
      sendno: req.sendno ?? null,
      owner: req.owner ?? null,
      priority: req.priority,
      callbackUrl,
      callbackParams: req.callback?.params ?? null,
      raw: req.raw !== undefined,
      createdAt: now,
      retractedAt: null,
    };
    const limit = c.broadcastPerDay ?? this.options.broadcastsPerDay;
    if (!(await this.store.insertMessage(message, jobs, req.kind === 'broadcast' ? limit : 0, now - (now % DAY_MS)))) {
      throw umsError(UMS_CODES.broadcastQuota, `the channel's ${limit} broadcasts of today are used`);
    }
    this.kick();
    return { msgid: message.msgid, ...(req.sendno !== undefined && { sendno: req.sendno }) };
  }

  /**
   * Stops the message's steps that have not gone out and withdraws its pushes (through
   * `revokePush`); SMS and email already handed over cannot be withdrawn (type 8 records).
   */
  async retract(c: UmsChannelRecord, msgid: string, revokePush: (appKey: string, pushMsgId: string) => Promise<void>): Promise<void> {
    const m = await this.store.getMessage(msgid);
    if (!m || m.channelKey !== c.channelKey) throw illegal(`no message ${msgid.slice(0, 64)} of this channel`);
    if (m.retractedAt !== null) throw umsError(UMS_CODES.alreadyRetracted, 'the message was already retracted');
    if (Date.now() - m.createdAt > RETRACT_WINDOW_MS) throw illegal('only messages of the last 24 hours can be retracted');
    const stopped = (await this.store.retract(msgid, Date.now())) ?? [];
    const facts: RecordFact[] = stopped.flatMap((j) => j.addresses.map((address) => ({ type: RECORD.withdrawn, userid: j.target, address, channel: j.channel })));
    const pushes = await this.store.appPushesOf(msgid);
    if (c.appKey !== null) for (const p of pushes) await revokePush(c.appKey, p).catch(() => undefined);
    for (const j of await this.store.jobsOf(msgid)) {
      if (j.state !== 'submitted') continue;
      for (const address of j.addresses) {
        if (j.channel === 'app') facts.push({ type: RECORD.withdrawn, userid: j.target, address, channel: 'app' });
        else facts.push({ type: RECORD.withdrawFailed, userid: j.target, address, channel: j.channel, error: { code: UMS_CODES.illegalParam, message: `${j.channel} cannot withdraw a message already handed to its gateway` } });
      }
    }
    await this.callbacks.emit(m, facts);
  }

  private async checkUsable(c: UmsChannelRecord, ch: string): Promise<void> {
    if (ch === 'app') {
      if (c.appKey === null || !(await this.appExists(c.appKey))) throw umsError(UMS_CODES.appChannel, 'the APP channel is not authorized for this channel');
      return;
    }
    const code = CHANNEL_UNUSABLE[ch] ?? UMS_CODES.channelInvalid;
    if (![...this.messaging.keys()].includes(ch as never)) throw umsError(code, `the ${ch} channel is not available on this server`);
    if (!(await messagingCredentials(this.store, this.sealingKey, c.channelKey, ch))) throw umsError(code, `the ${ch} channel has no credentials for this channel`);
  }

  private async stepsOf(req: UmsSendRequest, channels: string[]): Promise<UmsPolicyStep[]> {
    const simultaneous = channels.map((channel) => ({ channel, delaySeconds: 0, condition: 'always' as const }));
    // a raw-id send ignores the policy (reference)
    if (req.ruleId === 0 || req.raw) return simultaneous;
    const p = await this.store.getPolicy(req.ruleId);
    if (!p || !p.enabled) throw umsError(UMS_CODES.policyInvalid, `send policy ${req.ruleId} does not exist or is disabled`);
    const policyChannels = new Set(p.steps.map((s) => s.channel));
    if (policyChannels.size !== channels.length || !channels.every((ch) => policyChannels.has(ch))) {
      throw umsError(UMS_CODES.policyInvalid, `send policy ${req.ruleId} uses ${[...policyChannels].join(', ')}; msg_xxx must name the same channels`);
    }
    return p.steps;
  }

  private async usersOf(c: UmsChannelRecord, req: UmsSendRequest): Promise<string[]> {
    let users: string[];
    if (req.kind === 'broadcast') users = await this.allUsers();
    else if (req.users?.userids) users = await this.store.existingUsers([...new Set(req.users.userids)]);
    else if (req.users?.tags) users = await this.store.usersWithTags(req.users.tags, [c.channelKey, GLOBAL_BIND]);
    else if (req.users?.segment !== undefined) users = await this.segmentUsers(req.users.segment);
    else throw illegal('the message has no audience (aud_xxx)');
    if (req.blackId !== undefined) {
      const list = await this.store.getList(req.blackId);
      if (!list || list.kind !== 'black') throw umsError(UMS_CODES.listNotFound, `blacklist ${req.blackId} does not exist`);
      const out = new Set(list.userIds);
      users = users.filter((u) => !out.has(u));
    }
    if (req.whiteId !== undefined) {
      const list = await this.store.getList(req.whiteId);
      if (!list || list.kind !== 'white') throw umsError(UMS_CODES.listNotFound, `whitelist ${req.whiteId} does not exist`);
      const only = new Set(list.userIds);
      users = users.filter((u) => only.has(u));
    }
    return users;
  }

  private async allUsers(): Promise<string[]> {
    const out: string[] = [];
    let after = '';
    for (;;) {
      const page = await this.store.usersAfter(after, USER_PAGE);
      out.push(...page);
      if (page.length < USER_PAGE) return out;
      after = page[page.length - 1]!;
    }
  }

  private async segmentUsers(id: string): Promise<string[]> {
    const seg = await this.store.getSegment(id);
    if (!seg) throw illegal(`user segment ${id.slice(0, 64)} does not exist`);
    let users = seg.tag.length > 0 ? await this.store.usersWithTags(seg.tag, null) : await this.allUsers();
    for (const t of seg.tagAnd) {
      const having = new Set(await this.store.usersWithTags([t], null));
      users = users.filter((u) => having.has(u));
    }
    if (seg.tagNot.length > 0) {
      const excluded = new Set(await this.store.usersWithTags(seg.tagNot, null));
      users = users.filter((u) => !excluded.has(u));
    }
    return users;
  }
}
