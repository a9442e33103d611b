import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Pieces the messaging-vendor fakes share: a loopback HTTP server handing each request to a
 * handler, the hostile answers every fake can give (not JSON, huge, never answering, a body
 * that trickles), and an access-token issuer with expiry and revocation.
 */

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What a fake answers: JSON, raw text, or one of the hostile answers. */
export type FakeAnswer =
  | { json: unknown; status?: number; contentType?: string }
  | { text: string; status?: number; contentType?: string }
  | { hostile: HostileAnswer };

export type HostileAnswer =
  /** An HTML error page with status 502. */
  | 'garbage'
  /** 200 with 4 MiB of JSON-looking text that never closes. */
  | 'huge'
  /** Never answers (until the fake closes). */
  | 'silent'
  /** 200 headers at once, then a byte every 200 ms. */
  | 'trickle';

export class FakeHttpServer {
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly server: Server) {}

  static async start(handler: (req: FakeRequest) => FakeAnswer | Promise<FakeAnswer>): Promise<FakeHttpServer> {
    const server = createServer();
    const fake = new FakeHttpServer(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const request: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        void Promise.resolve(handler(request)).then((answer) => fake.answer(res, answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private answer(res: ServerResponse, answer: FakeAnswer): void {
    if ('json' in answer) {
      res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'application/json; charset=utf-8' });
      res.end(JSON.stringify(answer.json));
      return;
    }
    if ('text' in answer) {
      res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'application/json; charset=utf-8' });
      res.end(answer.text);
      return;
    }
    switch (answer.hostile) {
      case 'garbage':
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
        return;
      case 'huge': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 'a');
        res.write('{"errcode":0,"errmsg":"');
        let sent = 0;
        const pump = () => {
          while (sent < 64 && res.write(chunk)) sent++;
          if (sent < 64) res.once('drain', pump);
          else res.end('"}');
        };
        res.on('error', () => undefined);
        pump();
        return;
      }
      case 'silent':
        return; // the socket stays open until the client gives up or the fake closes
      case 'trickle': {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
        const timer = setInterval(() => res.write(' '), 200);
        this.timers.add(timer);
        res.on('close', () => {
          clearInterval(timer);
          this.timers.delete(timer);
        });
        return;
      }
    }
  }

  close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

/** Access tokens as the vendors issue them: opaque, per credential, expiring, revocable. */
export class FakeTokenIssuer {
  /** Seconds a new token lives (the vendors: 7200). */
  lifetimeSeconds = 7200;
  /** Tokens issued so far, per credential id. */
  readonly issued = new Map<string, number>();
  private readonly tokens = new Map<string, { owner: string; expiresAt: number }>();

  issue(owner: string): { access_token: string; expires_in: number } {
    const token = `${owner.slice(0, 8)}-${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, { owner, expiresAt: Date.now() + this.lifetimeSeconds * 1000 });
    this.issued.set(owner, (this.issued.get(owner) ?? 0) + 1);
    return { access_token: token, expires_in: this.lifetimeSeconds };
  }

  /** The owner of a live token, 'expired', or 'invalid'. */
  check(token: string | null): string | 'expired' | 'invalid' {
    const entry = token ? this.tokens.get(token) : undefined;
    if (!entry) return 'invalid';
    if (Date.now() >= entry.expiresAt) return 'expired';
    return entry.owner;
  }

  /** Every token issued so far expires now, whatever the holder believes (the vendor then answers "expired"). */
  expireAll(): void {
    for (const entry of this.tokens.values()) entry.expiresAt = Date.now();
  }

  /** Every token issued so far stops working (as when the secret is reset). */
  revokeAll(): void {
    this.tokens.clear();
  }

  get totalIssued(): number {
    let n = 0;
    for (const v of this.issued.values()) n += v;
    return n;
  }
}

/** Per-address behaviour a test sets on a fake: the answer kind, for a number of requests or for ever. */
export class AddressModes<M extends string> {
  private readonly modes = new Map<string, { mode: M; times: number }>();

  set(address: string, mode: M, times = Infinity): void {
    this.modes.set(address, { mode, times });
  }

  /** The mode for one request to `address`, counting it down. */
  take(address: string): M | undefined {
    const entry = this.modes.get(address);
    if (!entry) return undefined;
    if (--entry.times <= 0) this.modes.delete(address);
    return entry.mode;
  }

  clear(): void {
    this.modes.clear();
  }
}
