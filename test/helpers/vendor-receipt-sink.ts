import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Channel, ChannelCredentials, ReceiptAnswer } from '../../src/channels/types.js';

/**
 * Stands in for the server's `POST /v1/vendors/{channel}/receipts/{appKey}` in channel-level
 * tests: a real HTTP listener that hands each request to the channel's `receipts()` with the
 * app's credentials, answers what the channel answers, and keeps the answers.
 */
export class ReceiptSink {
  readonly answers: ReceiptAnswer[] = [];
  url = '';
  private server!: Server;

  private constructor(
    private readonly channel: () => Channel,
    private readonly credentials: (appKey: string) => ChannelCredentials | undefined,
  ) {}

  static async start(channel: () => Channel, credentials: (appKey: string) => ChannelCredentials | undefined): Promise<ReceiptSink> {
    const sink = new ReceiptSink(channel, credentials);
    sink.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://sink');
        const m = /^\/v1\/vendors\/([a-z]+)\/receipts\/([^/]+)$/.exec(url.pathname);
        const ch = sink.channel();
        const creds = m ? sink.credentials(decodeURIComponent(m[2]!)) : undefined;
        if (!m || m[1] !== ch.id || !creds || !ch.receipts) {
          res.writeHead(404).end();
          return;
        }
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
        const answer = ch.receipts({ appKey: decodeURIComponent(m[2]!), headers, query: Object.fromEntries(url.searchParams), rawBody: Buffer.concat(chunks) }, creds);
        sink.answers.push(answer);
        const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        res.writeHead(answer.status, { 'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json' }).end(body);
      });
    });
    await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', resolve));
    sink.url = `http://127.0.0.1:${(sink.server.address() as AddressInfo).port}`;
    return sink;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
