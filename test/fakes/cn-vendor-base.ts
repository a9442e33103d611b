import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the Xiaomi, OPPO, vivo and Meizu fakes share: a loopback HTTP server, body reading,
 * JSON answers, a scripted per-token behaviour, and posting receipts back the way a vendor
 * does (to the callback URL the send request carried).
 */

export type TokenMode =
  /** The vendor does not know the token (uninstalled, never registered): dead. */
  | 'dead'
  /** Notifications are switched off on the device (vivo status 3): refused, token kept. */
  | 'disabled'
  /** The device has had its daily messages (vivo status 4). */
  | 'deviceLimit';

export interface Recorded {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
}

export abstract class CnVendorFake {
  readonly requests: Recorded[] = [];
  readonly tokenModes = new Map<string, TokenMode>();
  /** Answer every send with the vendor's "daily quota spent" code. */
  quotaExhausted = false;
  /** Answer the next N sends with the vendor's rate-limit code. */
  rateLimited = 0;
  /** Answer the next N requests with HTTP 503. */
  unavailable = 0;
  protected server!: Server;
  url = '';

  protected abstract handle(path: string, req: IncomingMessage, raw: string, res: ServerResponse): Promise<void> | void;

  protected async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '/';
        this.requests.push({ path, headers: req.headers, raw });
        if (this.unavailable > 0) {
          this.unavailable--;
          res.writeHead(503, { 'retry-after': '2' }).end('busy');
          return;
        }
        Promise.resolve(this.handle(path, req, raw, res)).catch((err: unknown) => {
          res.writeHead(500).end(String(err));
        });
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.requests.length = 0;
    this.tokenModes.clear();
    this.quotaExhausted = false;
    this.rateLimited = 0;
    this.unavailable = 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
}

export function randomId(prefix: string): string {
  return `${prefix}${randomBytes(8).toString('hex')}`;
}

/** POSTs a receipt the way the vendor does; resolves with Borealis's answer. */
export async function postReceipt(url: string, body: string, contentType: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: res.status, text: await res.text() };
}
