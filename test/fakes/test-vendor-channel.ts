import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Channel, ChannelCredentials, ChannelId, QuotaReading, ReceiptAnswer, ReceiptRequest, RelayTarget, TargetResult, VendorReceipt } from '../../src/channels/types.js';
import type { AcceptedPush } from '../../src/domain/push.js';
import { seal, loadSealingKey } from '../../src/channels/sealing.js';
import type { TestServer } from '../helpers/server.js';

/**
 * A small vendor channel for the routing, quota and receipt tests, standing in for a domestic
 * vendor whose real channel lives in its own folder. It records what it was asked to send and
 * answers per token as the test sets it up. Its receipts are JSON
 * `{"receipts":[{"msg_id","token","status"}]}` signed with HMAC-SHA256 over the raw body with
 * the app's `secret` (header `x-test-signature`, hex), answered `{"code":0}`.
 */
export interface TestSend {
  msgId: string;
  tokens: string[];
  classification?: number;
}

export class TestVendorChannel implements Channel {
  readonly sends: TestSend[] = [];
  /** Answers per token; unknown tokens are delivered. */
  readonly answers = new Map<string, TargetResult>();
  /** Notes every delivered result carries (fields this vendor "drops"). */
  notes: string[] | undefined;
  /** A quota reading every delivered result carries. */
  quota: QuotaReading | undefined;
  /** What queryQuota answers. */
  published: QuotaReading[] = [];
  closed = false;

  constructor(
    readonly id: ChannelId,
    readonly maxBatch = 100,
  ) {}

  async send(push: AcceptedPush, targets: readonly RelayTarget[], _credentials: ChannelCredentials): Promise<TargetResult[]> {
    const tokens = targets.map((t) => String(t.token));
    this.sends.push({ msgId: push.msgId, tokens, ...(push.options.classification !== undefined ? { classification: push.options.classification } : {}) });
    return tokens.map((t) => {
      const set = this.answers.get(t);
      if (set) return set;
      const r: TargetResult = { kind: 'delivered', vendorMessageId: `${this.id}-${push.msgId}` };
      if (this.notes) r.notes = this.notes;
      if (this.quota) r.quota = this.quota;
      return r;
    });
  }

  receipts(request: ReceiptRequest, credentials: ChannelCredentials): ReceiptAnswer {
    const secret = typeof credentials.secret === 'string' ? credentials.secret : '';
    const given = Buffer.from(request.headers['x-test-signature'] ?? '', 'utf8');
    const wanted = Buffer.from(createHmac('sha256', secret).update(request.rawBody).digest('hex'), 'utf8');
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return { accepted: false, status: 401, body: { code: 401, message: 'bad signature' } };
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.rawBody.toString('utf8'));
    } catch {
      return { accepted: false, status: 400, body: { code: 400, message: 'not JSON' } };
    }
    const list = (parsed as { receipts?: unknown }).receipts;
    if (!Array.isArray(list)) return { accepted: false, status: 400, body: { code: 400, message: 'receipts missing' } };
    const receipts: VendorReceipt[] = [];
    for (const r of list as Record<string, unknown>[]) {
      if (typeof r !== 'object' || r === null) continue;
      const kind = r.status === 'received' || r.status === 'clicked' || r.status === 'tokenDead' ? r.status : undefined;
      if (kind && typeof r.token === 'string') receipts.push({ msgId: String(r.msg_id ?? ''), token: r.token, kind, at: Date.now() });
    }
    return { accepted: true, receipts, status: 200, body: { code: 0 } };
  }

  async queryQuota(): Promise<QuotaReading[]> {
    return this.published;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Signs a receipt body as TestVendorChannel checks it. */
export function signReceipt(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Stores credentials for a test channel (no shape check: the real channels define theirs). */
export async function setTestCredentials(server: TestServer, appKey: string, channel: string, value: Record<string, unknown>): Promise<void> {
  const key = loadSealingKey(server.config.channels.credentialsKey, server.config.dataDir);
  await server.node.ctx.store.channelCredentials.put(appKey, channel, seal(key, appKey, channel, value), Date.now());
  await server.node.ctx.credentials.refresh();
}
