import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UmsRecordIn {
  type: number;
  channelkey: string;
  msgid: string;
  userid: string;
  sender_id: string;
  sender: number;
  app_platform?: number;
  app_sender?: number;
  sent_time: number;
  error?: { code: number; message: string };
  params?: Record<string, unknown>;
}

/**
 * A UMS callback receiver on a loopback port: answers the URL check (`GET ?echostr=X` → 200
 * with body X) and takes `POST` JSON arrays of records. `failNext` makes the next POSTs
 * answer 500, to exercise the retries.
 */
export class UmsCallbackReceiver {
  readonly batches: { auth: string | undefined; records: UmsRecordIn[] }[] = [];
  readonly checks: { auth: string | undefined; echostr: string }[] = [];
  failNext = 0;
  posts = 0;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<UmsCallbackReceiver> {
    const server = createServer();
    const r = new UmsCallbackReceiver(server);
    server.on('request', (req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (req.method === 'GET') {
          const echostr = url.searchParams.get('echostr') ?? '';
          r.checks.push({ auth: req.headers.authorization, echostr });
          res.writeHead(200, { 'content-type': 'text/plain' });
          return res.end(echostr);
        }
        r.posts++;
        if (r.failNext > 0) {
          r.failNext--;
          res.writeHead(500);
          return res.end();
        }
        try {
          r.batches.push({ auth: req.headers.authorization, records: JSON.parse(body) as UmsRecordIn[] });
          res.writeHead(200);
        } catch {
          res.writeHead(400);
        }
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return r;
  }

  get records(): UmsRecordIn[] {
    return this.batches.flatMap((b) => b.records);
  }

  url(path = '/ums'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
