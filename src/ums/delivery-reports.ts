import type { Logger } from 'pino';
import type { MessagingRegistry } from '../messaging/registry.js';
import { reportsDelivery, type DeliveryReport, type ReportsDelivery } from '../messaging/types.js';
import type { UmsJob, UmsStore } from '../store/ums-types.js';
import { RECORD, type RecordFact, type UmsCallbackQueue } from './callbacks.js';
import { messagingCredentials } from './secrets.js';

/** Jobs looked at per round. */
const JOBS_PER_ROUND = 500;
/** Delivery is asked about for a day after the submission, then no more. */
const REPORT_WINDOW_MS = 86_400_000;

export interface DeliveryReportOptions {
  /** Milliseconds between rounds. */
  intervalMs: number;
}

/**
 * Asks the vendors that report delivery later (DingTalk's getsendresult) what became of the
 * steps they accepted: delivered addresses mark the job delivered (type 4; read also counts as
 * a click, type 6), refused ones turn the job `failed` (type 5), so a later policy step with
 * `not_delivered` runs for those users. Addresses the vendor has not settled yet are asked
 * again next round.
 */
export class UmsDeliveryReports {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private busy = false;

  constructor(
    private readonly store: UmsStore,
    private readonly sealingKey: Buffer,
    private readonly messaging: MessagingRegistry,
    private readonly callbacks: UmsCallbackQueue,
    private readonly logger: Logger,
    private readonly options: DeliveryReportOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  poll(): Promise<void> {
    if (this.busy) return this.running;
    this.busy = true;
    this.running = this.round()
      .catch((err: unknown) => this.logger.error({ err }, 'UMS delivery report round failed; will retry'))
      .finally(() => (this.busy = false));
    return this.running;
  }

  private async round(): Promise<void> {
    const reporters = new Map<string, ReportsDelivery>();
    for (const [id, channel] of this.messaging) if (reportsDelivery(channel)) reporters.set(id, channel);
    const jobs = await this.store.awaitingDelivery([...reporters.keys()], Date.now() - REPORT_WINDOW_MS, JOBS_PER_ROUND);
    const byVendorId = new Map<string, UmsJob[]>();
    for (const j of jobs) {
      let list = byVendorId.get(j.pushMsgId!);
      if (!list) byVendorId.set(j.pushMsgId!, (list = []));
      list.push(j);
    }
    for (const [vendorId, list] of byVendorId) {
      const first = list[0]!;
      const m = await this.store.getMessage(first.msgid);
      const reporter = reporters.get(first.channel);
      const creds = m && reporter ? await messagingCredentials(this.store, this.sealingKey, m.channelKey, first.channel) : undefined;
      if (!m || !reporter || !creds) continue;
      let report: DeliveryReport;
      try {
        report = await reporter.deliveryReport(vendorId.slice(first.channel.length + 1), creds);
      } catch (err) {
        this.logger.warn({ err, vendorId }, 'UMS delivery report not available; asking again later');
        continue;
      }
      await this.apply(m, vendorId, list, report);
    }
  }

  private async apply(m: NonNullable<Awaited<ReturnType<UmsStore['getMessage']>>>, vendorId: string, jobs: UmsJob[], report: DeliveryReport): Promise<void> {
    const delivered = new Set(report.delivered);
    const read = new Set(report.read);
    const failed = new Map(report.failed.map((f) => [f.address, f.reason]));
    const now = Date.now();
    const marks: { pushMsgId: string; target: string; delivered?: number; clicked?: number }[] = [];
    const facts: RecordFact[] = [];
    for (const j of jobs) {
      const address = j.addresses.find((a) => delivered.has(a));
      if (address !== undefined) {
        const clicked = read.has(address);
        marks.push({ pushMsgId: vendorId, target: j.target, ...(clicked ? { clicked: now } : { delivered: now }) });
        facts.push({ type: RECORD.delivered, userid: j.target, address, channel: j.channel });
        if (clicked) facts.push({ type: RECORD.clicked, userid: j.target, address, channel: j.channel });
        continue;
      }
      const refused = j.addresses.find((a) => failed.has(a));
      if (refused !== undefined) {
        const reason = failed.get(refused)!;
        await this.store.finishJob(j.msgid, j.step, j.target, 'failed', `delivery failed: ${reason}`.slice(0, 200), null, j.doneAt ?? now);
        facts.push({ type: RECORD.deliveryFailed, userid: j.target, address: refused, channel: j.channel, error: { code: 5000, message: reason } });
      }
    }
    await this.store.markReceipts(marks);
    await this.callbacks.emit(m, facts);
  }
}
