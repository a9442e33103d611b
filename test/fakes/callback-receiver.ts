import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How the receiver answers: normally, with a status, too late, or with a body that never ends. */
export type ReceiverMode =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; location?: string }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'endless' };

export interface CallbackEvent {
  msg_id: string;
  registration_id: string;
  platform: string;
  channel: string;
  status: 'sent' | 'received' | 'clicked';
  type: number;
  time: number;
  params?: Record<string, unknown>;
}

export interface CallbackBody {
  app_key: string;
  batch_id: string;
  events: CallbackEvent[];
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered; 'dropped' when the sender gave up on the answer first. */
  outcome: number | 'dropped';
}

/**
 * A callback receiver on a real loopback port, recording every request. It can go down (port
 * closed) and come back on the same port, and misbehave on demand.
 */
export class CallbackReceiver {
  readonly requests: ReceivedRequest[] = [];
  mode: ReceiverMode = { kind: 'ok' };
  private server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(readonly port: number, server: Server) {
    this.server = server;
  }

  static async start(): Promise<CallbackReceiver> {
    const r = new CallbackReceiver(0, createServer());
    const port = await r.listen(0);
    (r as { port: number }).port = port;
    return r;
  }

  url(path = '/cb'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests answered with a 2xx, optionally only those to one path. */
  accepted(path?: string): ReceivedRequest[] {
    return this.requests.filter((r) => typeof r.outcome === 'number' && r.outcome < 300 && (!path || r.path === path));
  }

  /** Every event of the accepted batches (duplicates included). */
  events(path?: string): CallbackEvent[] {
    return this.accepted(path).flatMap((r) => (JSON.parse(r.body) as CallbackBody).events);
  }

  async waitFor(check: () => boolean, ms: number, what: () => string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Closes the port and every open connection: the receiver is gone. */
  async down(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    this.server = createServer();
    await this.listen(this.port);
  }

  close(): Promise<void> {
    return this.down();
  }

  private listen(port: number): Promise<number> {
    const server = this.server;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const entry: ReceivedRequest = {
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          outcome: 'dropped',
        };
        this.requests.push(entry);
        this.answer(entry, res);
      });
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  private answer(entry: ReceivedRequest, res: ServerResponse): void {
    const mode = this.mode;
    const reply = (status: number, headers: Record<string, string> = {}) => {
      if (res.destroyed) return;
      entry.outcome = status;
      res.writeHead(status, headers).end();
    };
    if (mode.kind === 'ok') reply(200);
    else if (mode.kind === 'status') reply(mode.status, mode.location ? { location: mode.location } : {});
    else if (mode.kind === 'slow') {
      const t = setTimeout(() => {
        this.timers.delete(t);
        reply(200);
      }, mode.delayMs);
      this.timers.add(t);
    } else {
      // 200 at once, then a body that never ends
      entry.outcome = 200;
      res.writeHead(200, { 'content-type': 'text/plain' });
      const t = setInterval(() => {
        if (res.destroyed) {
          clearInterval(t);
          this.timers.delete(t);
        } else res.write('x'.repeat(16 * 1024));
      }, 5);
      this.timers.add(t);
    }
  }
}

/**
 * Checks a request's signature the way a receiver would: HMAC-SHA256 over "<t>.<body>" keyed
 * by SHA-256 of the app's master secret.
 */
export function signatureValid(req: ReceivedRequest, masterSecret: string): boolean {
  const header = req.headers['x-borealis-signature'];
  const m = typeof header === 'string' ? /^t=([0-9]+),v1=([0-9a-f]{64})$/.exec(header) : null;
  if (!m) return false;
  const key = createHash('sha256').update(masterSecret).digest();
  const expected = createHmac('sha256', key).update(`${m[1]}.${req.body}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
}
