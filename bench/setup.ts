import Database from 'better-sqlite3';
import { Agent, get } from 'node:http';
import { join } from 'node:path';
import { RoaringBitmap32 } from '../src/audience/audience-index.js';
import { now, sleep } from './lib.js';

/**
 * Devices in the big runs. One process may hold 20,000 open files here and the server needs a
 * few dozen for itself, so 19,500 connections is as close to 20,000 as one server gets.
 */
export function deviceCount(): number {
  return Number(process.env.BENCH_DEVICES ?? 19_500);
}

/** Client processes the simulated devices are spread over. */
export const CLIENT_PROCESSES = 4;

/**
 * Server config for the gateway benchmarks: idle devices need no pings for the whole run,
 * registration is not throttled, and commits skip fsync (registration does one commit per
 * device; push-accept measures the fsync cost separately).
 */
export const GATEWAY_BENCH_CONFIG = {
  store: { synchronous: 'normal' },
  limits: { registrationsPerWindow: 0, registrationsPerAddress: 0 },
  gateway: { heartbeatSeconds: 3600 },
};

export function gatewayUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws') + '/v1/gateway';
}

export const BROADCAST = { platform: 'all', audience: 'all', notification: { alert: 'Benchmark broadcast: your order has shipped' } };

/**
 * Reads the server's acknowledgement records straight from its SQLite file (read-only, beside
 * the running server): there is no receipt-report API yet, and this is what it would serve.
 */
export class AckReader {
  private readonly db: Database.Database;
  private readonly row: Database.Statement;

  constructor(dataDir: string) {
    this.db = new Database(join(dataDir, 'borealis.db'), { readonly: true, fileMustExist: true });
    // Receipts live in push_receipts; earlier schemas kept acks alone in push_acks.
    const hasReceipts = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'push_receipts'").get();
    this.row = this.db.prepare(`SELECT acked FROM ${hasReceipts ? 'push_receipts' : 'push_acks'} WHERE msg_id = ?`).pluck();
  }

  acked(msgId: string): number {
    const blob = this.row.get(BigInt(msgId)) as Buffer | undefined;
    return blob ? RoaringBitmap32.deserialize(blob, 'portable').size : 0;
  }

  /** Polls until every push has `count` stored acks; the time that happened, or 0 at the timeout. */
  async waitStored(msgIds: readonly string[], count: number, timeoutMs: number): Promise<number> {
    const deadline = now() + timeoutMs;
    while (now() < deadline) {
      if (msgIds.every((id) => this.acked(id) >= count)) return now();
      await sleep(10);
    }
    return 0;
  }

  close(): void {
    this.db.close();
  }
}

/**
 * Polls the Report API (GET /v3/received) until the server reports `count` receipts for every
 * push: the moment the server has taken in the acks, before they are saved. Null when the
 * server has no such API (or answers in another shape), so the caller can say so.
 */
export class ReportPoller {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly auth: string;

  constructor(
    private readonly url: string,
    appKey: string,
    masterSecret: string,
  ) {
    this.auth = 'Basic ' + Buffer.from(`${appKey}:${masterSecret}`).toString('base64');
  }

  private received(msgIds: readonly string[]): Promise<number[] | null> {
    return new Promise((resolve) => {
      const req = get(`${this.url}/v3/received?msg_ids=${msgIds.join(',')}`, { agent: this.agent, headers: { authorization: this.auth } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          try {
            const rows = JSON.parse(text) as { android_received?: number | null; ios_msg_received?: number | null }[];
            if (res.statusCode !== 200 || !Array.isArray(rows) || rows.length !== msgIds.length) return resolve(null);
            resolve(rows.map((r) => (r.android_received ?? 0) + (r.ios_msg_received ?? 0)));
          } catch {
            resolve(null);
          }
        });
      });
      req.on('error', () => resolve(null));
    });
  }

  /** The time every push had `count` receipts reported; 0 at the timeout; null without a Report API. */
  async waitReported(msgIds: readonly string[], count: number, timeoutMs: number): Promise<number | null> {
    const deadline = now() + timeoutMs;
    while (now() < deadline) {
      const counts = await this.received(msgIds);
      if (counts === null) return null;
      if (counts.every((c) => c >= count)) return now();
      await sleep(20);
    }
    return 0;
  }

  close(): void {
    this.agent.destroy();
  }
}
