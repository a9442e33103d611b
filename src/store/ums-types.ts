/**
 * Store of the unified messaging (UMS) part: channels and AccessKeys that authenticate its API,
 * users with their tags and bound addresses, saved lists and segments of users, send policies,
 * messages with their per-user steps (the durable jobs and the trace), callback URLs and the
 * queue of callback records, and uploaded materials.
 */

/** A UMS channel: `ChannelKey:MasterSecret` authenticates sends; its app carries `msg_app`. */
export interface UmsChannelRecord {
  channelKey: string;
  name: string;
  secretHash: Buffer;
  /** The master secret, sealed: callbacks authenticate with it, so it must be recoverable. */
  secretSealed: Buffer;
  /** The Borealis app whose devices `msg_app` reaches; null: the channel has no app. */
  appKey: string | null;
  enabled: boolean;
  /** When set, every send must name its submitter in `option.owner` (1015023). */
  ownerRequired: boolean;
  /** Broadcasts allowed per UTC day; null: the server default. */
  broadcastPerDay: number | null;
  createdAt: number;
}

export interface UmsAccessKeyRecord {
  accessKey: string;
  secretHash: Buffer;
  enabled: boolean;
  createdAt: number;
}

/** What a user binds: tags and, per channel, addresses. */
export const UMS_BIND_KINDS = ['tag', 'phone', 'email', 'app', 'wechatoa', 'wechatmp', 'alipaylife', 'dingtalkcc', 'wechatwk', 'wechatwk_linkedcorp'] as const;
export type UmsBindKind = (typeof UMS_BIND_KINDS)[number];

/** One binding of a user: a tag or an address of `kind`, under `bindId` ("all", a ChannelKey or a channel code). */
export interface UmsBinding {
  kind: UmsBindKind;
  bindId: string;
  value: string;
}

/** One change to a user's bindings, as `/v1/user/opt` asks for it. */
export type UmsBindingChange =
  | { op: 'add'; binding: UmsBinding }
  /** Removes every value of (kind, bindId) before the `add`s of the same set operation. */
  | { op: 'clear'; kind: UmsBindKind; bindId: string }
  | { op: 'del'; binding: UmsBinding };

/** A saved user list for `option.black_id` / `option.white_id`. */
export interface UmsUserList {
  id: number;
  kind: 'black' | 'white';
  name: string;
  userIds: string[];
}

/** A saved user segment for `aud_segment`: tags of the users (any bind id). */
export interface UmsSegment {
  id: string;
  name: string;
  /** Users with any of these tags (all users when empty). */
  tag: string[];
  tagAnd: string[];
  tagNot: string[];
}

export type UmsStepCondition = 'always' | 'not_delivered' | 'not_clicked' | 'submit_failed';

export interface UmsPolicyStep {
  /** `app` or a messaging channel id. */
  channel: string;
  /** Seconds after the message was accepted. */
  delaySeconds: number;
  condition: UmsStepCondition;
}

export interface UmsPolicy {
  ruleId: number;
  name: string;
  enabled: boolean;
  steps: UmsPolicyStep[];
  createdAt: number;
}

export type UmsMessageKind = 'sent' | 'broadcast';

export interface UmsMessageRecord {
  msgid: string;
  channelKey: string;
  kind: UmsMessageKind;
  /** The channels' message objects (`msg_<channel>` → object) after validation. */
  content: Record<string, Record<string, unknown>>;
  ruleId: number;
  /** The steps of the send: the policy's, or one per channel at once. */
  steps: UmsPolicyStep[];
  sendno: string | null;
  owner: string | null;
  priority: number;
  callbackUrl: string | null;
  callbackParams: Record<string, unknown> | null;
  /** Sent by raw channel ids (`aud_<channel>`): records carry userid "". */
  raw: boolean;
  createdAt: number;
  retractedAt: number | null;
}

export type UmsJobState = 'pending' | 'claimed' | 'submitted' | 'failed' | 'invalid' | 'skipped' | 'retracted';

/** One step of one message for one user (or one raw address): the durable job and its trace. */
export interface UmsJob {
  msgid: string;
  step: number;
  /** The user id, or for raw sends the address itself. */
  target: string;
  channel: string;
  dueAt: number;
  state: UmsJobState;
  /** Addresses the step goes to (registration ids, phone, email...), resolved at accept time. */
  addresses: string[];
  /** The push that carried an app step. */
  pushMsgId: string | null;
  /** What the channel answered (or why the step was skipped). */
  note: string | null;
  attempts: number;
  doneAt: number | null;
  deliveredAt: number | null;
  clickedAt: number | null;
}

export interface UmsJobInsert {
  step: number;
  target: string;
  channel: string;
  dueAt: number;
  addresses: string[];
}

export interface UmsCallbackUrl {
  channelKey: string;
  url: string;
  isDefault: boolean;
  /** Bit n set: records of type n go to this URL. */
  types: number;
}

export interface UmsQueuedRecord {
  id: number;
  url: string;
  channelKey: string;
  record: string;
  attempts: number;
}

export interface UmsMaterial {
  id: string;
  channelKey: string;
  filename: string;
  contentType: string;
  data: Buffer;
  expiresAt: number;
}

/**
 * A message template for `/v1/template/sent` and `/v1/template/broadcast`: `msg_<channel>`
 * objects whose strings may hold `{{name}}` placeholders filled from `template_para`. Only a
 * general template (several channels, UMS's 通用模板) may be sent by id (1015032).
 */
export interface UmsTemplate {
  templateId: number;
  name: string;
  general: boolean;
  enabled: boolean;
  /** Channel id (`app`, `sms`...) → its message object. */
  content: Record<string, Record<string, unknown>>;
  createdAt: number;
}

/** A quiet window in minutes of the day at a UTC offset; `from` > `to` wraps past midnight. */
export interface UmsQuietHours {
  fromMinute: number;
  toMinute: number;
  utcOffsetMinutes: number;
}

/** What a UMS channel may send: refused words, a do-not-disturb window, VIP features. */
export interface UmsChannelSettings {
  /** Sends whose text holds any of these (case-insensitive) are refused (1015034). */
  sensitiveWords: string[];
  /** Sends inside this window are refused (1015038). */
  quietHours: UmsQuietHours | null;
  /** Without VIP: no templates (1015073), black lists (1015074) or white lists (1015075). */
  vip: boolean;
}

export const DEFAULT_UMS_SETTINGS: UmsChannelSettings = { sensitiveWords: [], quietHours: null, vip: true };

export interface UmsStore {
  // channels and keys
  putChannel(c: UmsChannelRecord): Promise<void>;
  getChannel(channelKey: string): Promise<UmsChannelRecord | undefined>;
  listChannels(): Promise<UmsChannelRecord[]>;
  putAccessKey(k: UmsAccessKeyRecord): Promise<void>;
  getAccessKey(accessKey: string): Promise<UmsAccessKeyRecord | undefined>;
  listAccessKeys(): Promise<UmsAccessKeyRecord[]>;
  /** Sealed messaging credentials of a channel (sms, email, wechatoa...). */
  putCredentials(channelKey: string, channel: string, sealed: Buffer, at: number): Promise<void>;
  getCredentials(channelKey: string, channel: string): Promise<Buffer | undefined>;
  removeCredentials(channelKey: string, channel: string): Promise<boolean>;

  // users
  /** Applies one user's changes in one transaction, creating the user if new. */
  changeUser(userid: string, changes: readonly UmsBindingChange[], at: number): Promise<void>;
  /** Deletes users and all their bindings; the ids that existed. */
  deleteUsers(userids: readonly string[]): Promise<string[]>;
  /** Of these ids, those that exist. */
  existingUsers(userids: readonly string[]): Promise<string[]>;
  bindingsOf(userids: readonly string[]): Promise<Map<string, UmsBinding[]>>;
  /** Users with any of the tags under any of the bind ids. */
  usersWithTags(tags: readonly string[], bindIds: readonly string[] | null): Promise<string[]>;
  /** Users in id order after `after`, at most `limit`. */
  usersAfter(after: string, limit: number): Promise<string[]>;
  /** The user bound to an address of `kind` under `bindId`, if any. */
  userOfAddress(kind: UmsBindKind, bindId: string, value: string): Promise<string | undefined>;

  // lists, segments, policies
  createList(kind: 'black' | 'white', name: string, userIds: readonly string[]): Promise<number>;
  getList(id: number): Promise<UmsUserList | undefined>;
  putSegment(s: UmsSegment): Promise<void>;
  getSegment(id: string): Promise<UmsSegment | undefined>;
  putPolicy(p: UmsPolicy): Promise<void>;
  getPolicy(ruleId: number): Promise<UmsPolicy | undefined>;
  listPolicies(): Promise<UmsPolicy[]>;
  deletePolicy(ruleId: number): Promise<boolean>;
  nextRuleId(): Promise<number>;

  // messages and their jobs
  /**
   * Stores a message with its jobs in one transaction. A broadcast first counts today's
   * broadcasts of the channel: false (nothing stored) when `broadcastLimit` are used.
   */
  insertMessage(m: UmsMessageRecord, jobs: readonly UmsJobInsert[], broadcastLimit: number, dayStart: number): Promise<boolean>;
  getMessage(msgid: string): Promise<UmsMessageRecord | undefined>;
  /** Marks a message retracted and its pending jobs `retracted`; the jobs that were stopped. */
  retract(msgid: string, at: number): Promise<UmsJob[] | undefined>;
  /**
   * Messages held for review: those with pending jobs due at or after `holdMs` (a held
   * message's jobs are stored `holdMs` later than they would run), oldest first.
   */
  heldMessages(holdMs: number, limit: number): Promise<string[]>;
  /** Moves a held message's pending jobs `holdMs` earlier plus `shiftMs`; how many moved. */
  releaseHeld(msgid: string, holdMs: number, shiftMs: number): Promise<number>;
  /** Pending jobs due at `now`, by priority then due time. */
  dueJobs(now: number, limit: number): Promise<UmsJob[]>;
  /** Claims pending jobs durably; the ones this call claimed (never the same job twice). */
  claimJobs(msgid: string, step: number, targets: readonly string[], at: number): Promise<string[]>;
  /** Records a job's outcome. */
  finishJob(msgid: string, step: number, target: string, state: UmsJobState, note: string | null, pushMsgId: string | null, at: number): Promise<void>;
  /** Puts a claimed job back to pending for a later attempt. */
  retryJob(msgid: string, step: number, target: string, dueAt: number, note: string): Promise<void>;
  jobsOf(msgid: string, target?: string): Promise<UmsJob[]>;
  /** Earlier steps of these targets of a message (for a later step's condition). */
  earlierJobs(msgid: string, step: number, targets: readonly string[]): Promise<UmsJob[]>;
  /**
   * Submitted jobs of these channels whose vendor message id (`pushMsgId`, `<channel>:<id>`)
   * awaits a delivery report: not delivered yet, finished at or after `since`, oldest first.
   */
  awaitingDelivery(channels: readonly string[], since: number, limit: number): Promise<UmsJob[]>;
  /** Records app receipts on the jobs of the push that carried them. */
  markReceipts(marks: readonly { pushMsgId: string; target: string; delivered?: number; clicked?: number }[]): Promise<void>;
  /** The message and step a push carried, if it was a UMS app step. */
  appPushOf(pushMsgId: string): Promise<{ msgid: string; step: number } | undefined>;
  recordAppPush(pushMsgId: string, msgid: string, step: number): Promise<void>;
  appPushesOf(msgid: string): Promise<string[]>;

  // callbacks
  addCallbackUrl(u: UmsCallbackUrl, at: number): Promise<void>;
  removeCallbackUrl(channelKey: string, url: string): Promise<boolean>;
  callbackUrls(channelKey: string): Promise<UmsCallbackUrl[]>;
  queueRecords(rows: readonly { url: string; channelKey: string; record: string }[], at: number): Promise<void>;
  dueRecords(now: number, limit: number): Promise<UmsQueuedRecord[]>;
  /** Delivered: removed. */
  removeRecords(ids: readonly number[]): Promise<void>;
  /** Failed: tried again at `nextAt`, or removed when `attempts` reached `maxAttempts`; ids dropped. */
  failRecords(ids: readonly number[], nextAt: number, maxAttempts: number): Promise<number>;

  // templates and channel settings
  putTemplate(t: UmsTemplate): Promise<void>;
  getTemplate(templateId: number): Promise<UmsTemplate | undefined>;
  listTemplates(): Promise<UmsTemplate[]>;
  deleteTemplate(templateId: number): Promise<boolean>;
  nextTemplateId(): Promise<number>;
  putSettings(channelKey: string, s: UmsChannelSettings): Promise<void>;
  /** The channel's settings, or the defaults. */
  getSettings(channelKey: string): Promise<UmsChannelSettings>;

  // materials
  putMaterial(m: UmsMaterial): Promise<void>;
  getMaterial(id: string): Promise<UmsMaterial | undefined>;
}
