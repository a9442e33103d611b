import type { Logger } from 'pino';
import type { CallbackBatch, ReceiptEvent, ReceiptSink } from '../receipts/types.js';
import type { UmsMessageRecord, UmsStore } from '../store/ums-types.js';
import { RECORD, type RecordFact, type UmsCallbackQueue } from './callbacks.js';

const FLUSH_MS = 100;
const CACHE_LIMIT = 20_000;

type Route = { message: UmsMessageRecord; appKey: string } | null;

/**
 * Receipts of pushes that carried UMS app steps: each acknowledgement, click or delivery
 * failure is written on the job of the user it reached (the next steps' conditions read it)
 * and becomes a callback record (types 4, 5, 6). Receipts of other pushes cost one lookup per
 * push, cached.
 */
export class UmsAppReceipts {
  private readonly routes = new Map<string, Promise<Route>>();
  private pending: ReceiptEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: UmsStore,
    private readonly callbacks: UmsCallbackQueue,
    private readonly logger: Logger,
  ) {}

  /** A sink that hands every event to `primary` and looks at it here too. */
  tee(primary: ReceiptSink): ReceiptSink {
    return {
      record: (event) => {
        primary.record(event);
        this.observe(event);
      },
      // 'sent' events are not looked at here (see observe)
      wants: (msgId, status) => status !== 'sent' || (primary.wants?.(msgId, status) ?? true),
      drain: () => primary.drain(),
      restore: (batches: CallbackBatch[]) => primary.restore(batches),
      ...(primary.settled && { settled: () => primary.settled!() }),
    };
  }

  observe(event: ReceiptEvent): void {
    if (event.status === 'sent') return;
    this.pending.push(event);
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const events = this.pending;
    this.pending = [];
    this.flushing = this.flushing.then(() => this.apply(events).catch((err: unknown) => this.logger.error({ err }, 'UMS app receipts not recorded')));
    return this.flushing;
  }

  async stop(): Promise<void> {
    await this.flush();
  }

  private route(pushMsgId: string): Promise<Route> {
    let r = this.routes.get(pushMsgId);
    if (!r) {
      r = (async () => {
        const ref = await this.store.appPushOf(pushMsgId);
        if (!ref) return null;
        const message = await this.store.getMessage(ref.msgid);
        const channel = message ? await this.store.getChannel(message.channelKey) : undefined;
        return message && channel?.appKey ? { message, appKey: channel.appKey } : null;
      })();
      if (this.routes.size > CACHE_LIMIT) this.routes.clear();
      this.routes.set(pushMsgId, r);
    }
    return r;
  }

  private async apply(events: ReceiptEvent[]): Promise<void> {
    const marks: { pushMsgId: string; target: string; delivered?: number; clicked?: number }[] = [];
    const facts = new Map<UmsMessageRecord, RecordFact[]>();
    for (const e of events) {
      const route = await this.route(e.msgId);
      if (!route) continue;
      const { message } = route;
      const target = message.raw ? e.registrationId : await this.store.userOfAddress('app', route.appKey, e.registrationId);
      if (target === undefined) continue;
      if (e.status === 'received') marks.push({ pushMsgId: e.msgId, target, delivered: e.time });
      else if (e.status === 'clicked') marks.push({ pushMsgId: e.msgId, target, clicked: e.time });
      const type = e.status === 'received' ? RECORD.delivered : e.status === 'clicked' ? RECORD.clicked : RECORD.deliveryFailed;
      let list = facts.get(message);
      if (!list) facts.set(message, (list = []));
      list.push({
        type,
        userid: target,
        address: e.registrationId,
        channel: 'app',
        appPlatform: e.platform,
        appChannel: e.channel,
        time: e.time,
        ...(type === RECORD.deliveryFailed && { error: { code: 5000, message: `${e.channel} did not deliver the push` } }),
      });
    }
    if (marks.length > 0) await this.store.markReceipts(marks);
    for (const [m, list] of facts) await this.callbacks.emit(m, list);
  }
}
