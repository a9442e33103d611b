import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { UmsMessageRecord, UmsStore } from '../store/ums-types.js';

/** Record types of the reference: 0 target valid ... 8 withdraw failure. */
export const RECORD = {
  targetValid: 0,
  targetInvalid: 1,
  submitted: 2,
  submitFailed: 3,
  delivered: 4,
  deliveryFailed: 5,
  clicked: 6,
  withdrawn: 7,
  withdrawFailed: 8,
} as const;
export const ALL_RECORD_TYPES = 0x1ff;

/** `sender` per channel (the reference's SDK numbering: WeCom is 10). */
export const SENDER: Readonly<Record<string, number>> = {
  ums: 0,
  app: 1,
  wechatoa: 2,
  wechatmp: 3,
  email: 4,
  sms: 5,
  dingtalk_cc: 6,
  alipay_life: 7,
  wechatwk: 10,
};

/** `app_sender` per vendor channel of a push; Web Push has no number in the reference. */
export const APP_SENDER: Readonly<Record<string, number>> = { jpush: 0, hms: 1, huawei: 1, oppo: 2, vivo: 3, xiaomi: 4, meizu: 5, fcm: 6, apns: 8 };
export const APP_PLATFORM: Readonly<Record<string, number>> = { android: 0, ios: 1, web: 2, quickapp: 3, hmos: 4 };

export interface UmsRecord {
  type: number;
  channelkey: string;
  msgid: string;
  userid: string;
  sender_id: string;
  sender: number;
  app_platform?: number;
  app_sender?: number;
  sent_time: number;
  error?: { code: number; message: string };
  params?: Record<string, unknown>;
}

/** What a record is about, before the message's fields are added. */
export interface RecordFact {
  type: number;
  /** The user id, or "" for raw channel id sends. */
  userid: string;
  address: string;
  channel: string;
  appPlatform?: string;
  appChannel?: string;
  error?: { code: number; message: string };
  time?: number;
}

export function recordOf(m: UmsMessageRecord, f: RecordFact): UmsRecord {
  return {
    type: f.type,
    channelkey: m.channelKey,
    msgid: m.msgid,
    userid: m.raw ? '' : f.userid,
    sender_id: f.address,
    sender: SENDER[f.channel] ?? 0,
    ...(f.appPlatform !== undefined && APP_PLATFORM[f.appPlatform] !== undefined && { app_platform: APP_PLATFORM[f.appPlatform] }),
    ...(f.appChannel !== undefined && APP_SENDER[f.appChannel] !== undefined && { app_sender: APP_SENDER[f.appChannel] }),
    sent_time: Math.floor((f.time ?? Date.now()) / 1000),
    ...(f.error && { error: f.error }),
    ...(m.callbackParams && { params: m.callbackParams }),
  };
}

/**
 * Queues callback records for a message's URL (the one its request named, else the channel's
 * default), keeping only the types that URL asked for. Records are stored, so a restart
 * neither loses nor repeats a batch that was not yet answered.
 */
export class UmsCallbackQueue {
  private readonly urlCache = new Map<string, { at: number; urls: Awaited<ReturnType<UmsStore['callbackUrls']>> }>();

  constructor(private readonly store: UmsStore) {}

  async emit(m: UmsMessageRecord, facts: readonly RecordFact[]): Promise<void> {
    if (facts.length === 0) return;
    const urls = await this.urlsOf(m.channelKey);
    const target = m.callbackUrl !== null ? urls.find((u) => u.url === m.callbackUrl) : urls.find((u) => u.isDefault);
    if (!target) return;
    const rows = facts
      .filter((f) => (target.types & (1 << f.type)) !== 0)
      .map((f) => ({ url: target.url, channelKey: m.channelKey, record: JSON.stringify(recordOf(m, f)) }));
    await this.store.queueRecords(rows, Date.now());
  }

  private async urlsOf(channelKey: string) {
    const hit = this.urlCache.get(channelKey);
    if (hit && Date.now() - hit.at < 2000) return hit.urls;
    const urls = await this.store.callbackUrls(channelKey);
    this.urlCache.set(channelKey, { at: Date.now(), urls });
    return urls;
  }
}

export interface CallbackSenderOptions {
  intervalMs: number;
  batch: number;
  retryMs: number;
  retries: number;
  timeoutMs: number;
}

/**
 * Posts queued records as JSON arrays of at most `batch` records per URL, every `intervalMs`,
 * with `Authorization: Basic ChannelKey:MasterSecret`. A 200 answer settles the batch; any
 * other answer or none retries it after `retryMs`, at most `retries` times, then drops it.
 */
export class UmsCallbackSender {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: UmsStore,
    private readonly authOf: (channelKey: string) => Promise<string | undefined>,
    private readonly logger: Logger,
    private readonly options: CallbackSenderOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  flush(): Promise<void> {
    this.running = this.running.then(() => this.round().catch((err: unknown) => this.logger.error({ err }, 'UMS callback round failed')));
    return this.running;
  }

  private async round(): Promise<void> {
    for (;;) {
      const due = await this.store.dueRecords(Date.now(), this.options.batch * 20);
      if (due.length === 0) return;
      const groups = new Map<string, typeof due>();
      for (const r of due) {
        const key = `${r.channelKey}\u0000${r.url}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = []));
        g.push(r);
      }
      for (const g of groups.values()) {
        for (let i = 0; i < g.length; i += this.options.batch) await this.post(g.slice(i, i + this.options.batch));
      }
      if (due.length < this.options.batch * 20) return;
    }
  }

  private async post(rows: { id: number; url: string; channelKey: string; record: string }[]): Promise<void> {
    const { url, channelKey } = rows[0]!;
    const ids = rows.map((r) => r.id);
    const auth = await this.authOf(channelKey);
    let ok = false;
    if (auth !== undefined) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: auth },
          body: `[${rows.map((r) => r.record).join(',')}]`,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        ok = res.status === 200;
      } catch {
        ok = false;
      }
    }
    if (ok) return this.store.removeRecords(ids);
    const dropped = await this.store.failRecords(ids, Date.now() + this.options.retryMs, this.options.retries + 1);
    if (dropped > 0) this.logger.warn({ url, dropped }, 'UMS callback records dropped after their retries');
  }
}

/**
 * The reference's URL check: `GET url?echostr=RANDOM` with the channel's Basic auth must
 * answer 200 with the same random string as its body.
 */
export async function verifyCallbackUrl(url: string, auth: string, timeoutMs: number): Promise<string | undefined> {
  const echostr = randomBytes(12).toString('hex');
  const u = new URL(url);
  u.searchParams.set('echostr', echostr);
  try {
    const res = await fetch(u, { headers: { authorization: auth }, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.text()).trim();
    if (res.status !== 200) return `the URL answered HTTP ${res.status}`;
    if (body !== echostr) return 'the URL did not answer with the echostr it was sent';
    return undefined;
  } catch (err) {
    return `the URL could not be reached: ${(err as Error).message}`;
  }
}
