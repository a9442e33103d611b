import type { Logger } from 'pino';
import { RoaringBitmap32 } from '../audience/audience-index.js';
import type { ChannelCredentialService } from '../channels/credentials.js';
import type { ChannelRegistry } from '../channels/registry.js';
import type { ChannelId, ReceiptRequest, VendorReceipt } from '../channels/types.js';
import type { DevicePlatform } from '../domain/device.js';
import type { Store } from '../store/types.js';

/** Where applied receipts go besides the per-channel figures: the push's own receipts and callbacks. */
export interface ReceiptSink {
  vendorReceipt(device: { appKey: string; num: number; registrationId: string; platform: DevicePlatform }, msgId: string, status: 'received' | 'clicked', channel: string): void;
}

/** The answer to the vendor: the status and body it expects, or a not-found. */
export type ReceiptReply = { status: number; body: string | Record<string, unknown> } | { notFound: true };

/** Receipts applied per request at most; a vendor batches far fewer. */
const MAX_RECEIPTS = 10_000;
const MSG_ID = /^[1-9][0-9]{0,18}$/;

/** What one request changed, for tests and logs. */
export interface AppliedReceipts {
  received: number;
  clicked: number;
  tokensRemoved: number;
  ignored: number;
}

/**
 * Vendor receipts (`POST /v1/vendors/{channel}/receipts/{appKey}`): the channel checks the
 * request as its vendor documents (with the app's own credentials, so one app's receipts can
 * never touch another's devices) and reads it; this applies what it read. `received` /
 * `clicked` count in the push's per-channel figures and its receipts (and callbacks, with the
 * vendor as the channel); `tokenDead` removes the token from its device. Receipts naming an
 * unknown push, a push of another app, a device that was not a target, or a token nobody
 * holds are ignored.
 */
export class VendorReceiptService {
  constructor(
    private readonly store: Store,
    private readonly channels: ChannelRegistry,
    private readonly credentials: ChannelCredentialService,
    private readonly sink: ReceiptSink,
    private readonly logger: Logger,
  ) {}

  async handle(channelId: string, request: ReceiptRequest): Promise<ReceiptReply & { applied?: AppliedReceipts }> {
    const channel = this.channels.get(channelId as ChannelId);
    if (!channel?.receipts) return { notFound: true };
    const creds = await this.credentials.get(request.appKey, channel.id).catch(() => undefined);
    if (!creds) return { notFound: true };
    let answer;
    try {
      answer = channel.receipts(request, creds);
    } catch (err) {
      // a channel must not throw; if one does, the sender hears of a bad request, not a 500
      this.logger.warn({ err, channel: channelId }, 'a vendor receipt parser threw');
      return { status: 400, body: { error: 'unreadable receipt' } };
    }
    if (!answer.accepted) return { status: answer.status, body: answer.body };
    const applied = await this.apply(request.appKey, channel.id, answer.receipts.slice(0, MAX_RECEIPTS));
    return { status: answer.status, body: answer.body, applied };
  }

  private async apply(appKey: string, channel: string, receipts: readonly VendorReceipt[]): Promise<AppliedReceipts> {
    const applied: AppliedReceipts = { received: 0, clicked: 0, tokensRemoved: 0, ignored: 0 };
    const byPush = new Map<string, VendorReceipt[]>();
    for (const r of receipts) {
      if (typeof r.token !== 'string' || r.token === '' || r.token.length > 4096) {
        applied.ignored++;
      } else if (r.kind === 'tokenDead') {
        const device = await this.store.vendors.deviceByToken(appKey, channel, r.token);
        if (device && (await this.store.vendors.removeToken(appKey, device.num, channel, r.token))) applied.tokensRemoved++;
        else applied.ignored++;
      } else if ((r.kind === 'received' || r.kind === 'clicked') && typeof r.msgId === 'string' && MSG_ID.test(r.msgId)) {
        let list = byPush.get(r.msgId);
        if (!list) byPush.set(r.msgId, (list = []));
        list.push(r);
      } else {
        applied.ignored++;
      }
    }
    for (const [msgId, list] of byPush) {
      const stored = await this.store.pushes.receipts(msgId);
      if (!stored || stored.head.appKey !== appKey) {
        applied.ignored += list.length;
        continue;
      }
      const targets = RoaringBitmap32.deserialize(stored.targets, 'portable');
      const received: number[] = [];
      const clicked: number[] = [];
      const devices = new Map<number, { appKey: string; num: number; registrationId: string; platform: DevicePlatform }>();
      for (const r of list) {
        const device = await this.store.vendors.deviceByToken(appKey, channel, r.token);
        if (!device || !targets.has(device.num)) {
          applied.ignored++;
          continue;
        }
        devices.set(device.num, { appKey, num: device.num, registrationId: device.registrationId, platform: device.platform });
        (r.kind === 'clicked' ? clicked : received).push(device.num);
      }
      if (devices.size === 0) continue;
      const fresh = await this.store.vendors.addReceipts(msgId, channel, received, clicked);
      applied.received += fresh.received.length;
      applied.clicked += fresh.clicked.length;
      const clickedNow = new Set(fresh.clicked);
      for (const num of fresh.received) if (!clickedNow.has(num)) this.sink.vendorReceipt(devices.get(num)!, msgId, 'received', channel);
      for (const num of fresh.clicked) this.sink.vendorReceipt(devices.get(num)!, msgId, 'clicked', channel);
    }
    return applied;
  }
}
