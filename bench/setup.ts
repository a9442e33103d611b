import Database from 'better-sqlite3';
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
  limits: { registrationsPerWindow: 0 },
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
