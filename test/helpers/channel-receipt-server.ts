import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Channel, ChannelCredentials, ReceiptAnswer } from '../../src/channels/types.js';

/**
 * A loopback HTTP server that hands each request to a channel's `receipts()` as the receipt
 * endpoint does (lower-case headers, query, raw body) and answers what the channel says, so a
 * fake vendor can POST receipts over real HTTP in channel-level tests.
 */
export class ChannelReceiptServer {
  readonly answers: ReceiptAnswer[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(channel: Channel, credentials: () => ChannelCredentials, appKey = 'a'.repeat(24)): Promise<ChannelReceiptServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const out = new ChannelReceiptServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/vendors/${channel.id}/receipts/${appKey}`);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
        const url = new URL(req.url ?? '/', 'http://x');
        const answer = channel.receipts!({ appKey, headers, query: Object.fromEntries(url.searchParams), rawBody: Buffer.concat(chunks) }, credentials());
        out.answers.push(answer);
        const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        res.writeHead(answer.status, { 'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json' }).end(body);
      });
    });
    return out;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
