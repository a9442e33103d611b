import type { Logger } from 'pino';
import { RoaringBitmap32, type Bitmap } from '../../audience/audience-index.js';
import type { Json } from '../../domain/push.js';
import type { ReceiptSink } from '../../receipts/types.js';
import type { SmsAccount, SmsJob, SmsRecipient } from '../../store/sms-types.js';
import type { Store } from '../../store/types.js';
import { JsmsProvider } from './jsms-provider.js';
import type { SmsProvider } from './provider.js';

export interface SmsSupplementOptions {
  /** How often due jobs are looked for, in ms. */
  pollMs: number;
  /** A gateway must answer within this many ms. */
  timeoutMs: number;
  /** SMS requests in flight at once. */
  concurrency: number;
}

/** What the supplement needs of delivery: the freshest receipts of a push. */
export interface ReceiptSource {
  receiptsOf(appKey: string, msgId: string): Promise<{ targets: Bitmap; received: Bitmap } | undefined>;
}

/** With active_filter, only devices seen within this window get an SMS. */
export const ACTIVE_FILTER_MS = 30 * 24 * 3600 * 1000;
const DEVICES_PER_ROUND = 1000;
const JOBS_PER_POLL = 20;

/**
 * The SMS supplement of `sms_message`: when a push's `delay_time` is up, every target that has
 * not acknowledged it (every target, for delay 0) and has a mobile number gets the templated
 * SMS through its app's gateway. Jobs are written with the push, so they survive restarts; each
 * device's SMS is claimed in the store before the gateway is called and marked with its answer
 * after, so a restart never sends one twice (a claim whose answer was lost stays unanswered).
 * Results go to the push's callbacks on channel "sms": `sent`, or `not_delivered` on failure.
 */
export class SmsSupplement {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly receipts: ReceiptSource,
    private readonly sink: ReceiptSink | null,
    private readonly logger: Logger,
    private readonly options: SmsSupplementOptions,
    private readonly providerFor: (account: SmsAccount) => SmsProvider = (a) =>
      new JsmsProvider({ endpoint: a.endpoint, key: a.key, secret: a.secret, timeoutMs: options.timeoutMs }),
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.options.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Runs the jobs due now; polls never overlap. */
  poll(): Promise<void> {
    this.running = this.running.then(async () => {
      try {
        for (const job of await this.store.sms.due(Date.now(), JOBS_PER_POLL)) {
          if (this.stopped) return;
          await this.run(job);
        }
      } catch (err) {
        this.logger.error({ err }, 'SMS supplement round failed; will retry');
      }
    });
    return this.running;
  }

  private async run(job: SmsJob): Promise<void> {
    const finish = (skipped: number, note: string | null) => this.store.sms.finish(job.msgId, skipped, note, Date.now());
    const push = await this.store.pushes.get(job.msgId);
    const head = await this.store.pushes.head(job.msgId);
    const sms = push?.smsMessage;
    if (!push || !head || !sms || typeof sms.temp_id !== 'number') return finish(0, 'push not found');
    if (head.revokedAt !== null) return finish(0, 'push revoked');
    const receipts = await this.receipts.receiptsOf(job.appKey, job.msgId);
    if (!receipts) return finish(0, 'push not found');
    let due = sms.delay_time === 0 ? receipts.targets.clone() : RoaringBitmap32.andNot(receipts.targets, receipts.received);
    const unfiltered = due.size;
    if (sms.active_filter === true) {
      const active = new RoaringBitmap32(await this.store.segments.activeSince(job.appKey, Date.now() - ACTIVE_FILTER_MS));
      due = RoaringBitmap32.and(due, active);
    }
    const filteredOut = unfiltered - due.size;
    const account = await this.store.sms.getAccount(job.appKey);
    if (!account) {
      this.logger.warn({ msgId: job.msgId, appKey: job.appKey }, 'sms_message but no SMS gateway configured for the app');
      return finish(unfiltered, 'no SMS gateway configured for this app');
    }
    const provider = this.providerFor(account);
    const nums = due.toArray();
    let skipped = filteredOut;
    for (let i = 0; i < nums.length && !this.stopped; i += DEVICES_PER_ROUND) {
      const chunk = nums.slice(i, i + DEVICES_PER_ROUND);
      const recipients = await this.store.sms.recipients(job.appKey, chunk);
      skipped += chunk.length - recipients.length;
      await pool(recipients, this.options.concurrency, (r) => this.sendOne(job, provider, account, sms, r));
    }
    // stopped midway: the job stays due and resumes after the claims made so far
    if (!this.stopped) await finish(skipped, null);
  }

  private async sendOne(job: SmsJob, provider: SmsProvider, account: SmsAccount, sms: { [key: string]: Json }, r: SmsRecipient): Promise<void> {
    if (!(await this.store.sms.claim(job.msgId, job.appKey, r.num, r.mobile, Date.now()))) return;
    const signId = typeof sms.signid === 'number' ? sms.signid : account.signId ?? undefined;
    const params = typeof sms.temp_para === 'object' && sms.temp_para !== null && !Array.isArray(sms.temp_para) ? sms.temp_para : undefined;
    const result = await provider.send({ mobile: r.mobile, templateId: sms.temp_id as number, params, signId });
    const at = Date.now();
    await this.store.sms.mark(job.msgId, r.num, result.ok ? 'sent' : 'failed', JSON.stringify(result), at);
    if (!result.ok) this.logger.warn({ msgId: job.msgId, code: result.code, message: result.message }, 'SMS not sent');
    this.sink?.record({
      msgId: job.msgId,
      appKey: job.appKey,
      registrationId: r.registrationId,
      platform: r.platform,
      channel: 'sms',
      status: result.ok ? 'sent' : 'not_delivered',
      time: at,
    });
  }
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
