import http2, { type ClientHttp2Session, type SecureClientSessionOptions } from 'node:http2';

export interface Http2Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Largest answer body read; vendor error bodies are tiny JSON. */
const MAX_BODY = 64 * 1024;

/** A request that had no answer in the pool's time (named like the Fetch API's timeout). */
export class Http2TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor() {
    super('no answer in time');
  }
}

/**
 * A few long-lived HTTP/2 sessions to one origin, many concurrent streams each. A session
 * that closes, errors or receives GOAWAY is dropped at once (after GOAWAY it refuses new
 * streams) and replaced on the next request. An `http:` origin speaks HTTP/2 without TLS
 * (prior knowledge), which is what test fakes on loopback offer.
 */
export class Http2Pool {
  private readonly sessions: (ClientHttp2Session | undefined)[];
  private next = 0;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly origin: string,
    private readonly options: SecureClientSessionOptions,
    size: number,
    private readonly concurrency: number,
    private readonly timeoutMs: number,
  ) {
    this.sessions = new Array<ClientHttp2Session | undefined>(size).fill(undefined);
  }

  private session(): ClientHttp2Session {
    const i = this.next++ % this.sessions.length;
    const current = this.sessions[i];
    if (current && !current.closed && !current.destroyed) return current;
    const s = http2.connect(this.origin, this.options);
    const drop = () => {
      if (this.sessions[i] === s) this.sessions[i] = undefined;
    };
    s.on('goaway', drop);
    s.on('close', drop);
    s.on('error', drop);
    s.on('frameError', drop);
    // idle sessions must not keep the process alive
    s.unref();
    this.sessions[i] = s;
    return s;
  }

  /** One request; rejects on network failures and timeouts (callers retry those). */
  async request(headers: Record<string, string>, body: string): Promise<Http2Answer> {
    if (this.closed) throw new Error('pool closed');
    if (this.inFlight >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    try {
      return await this.once(headers, body);
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  private once(headers: Record<string, string>, body: string): Promise<Http2Answer> {
    return new Promise((resolve, reject) => {
      let stream;
      try {
        stream = this.session().request(headers);
      } catch (err) {
        reject(err as Error);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let answer: Http2Answer['headers'] = {};
      let timedOut = false;
      stream.setTimeout(this.timeoutMs, () => {
        timedOut = true;
        stream.close(http2.constants.NGHTTP2_CANCEL);
      });
      stream.on('response', (h) => (answer = h as Http2Answer['headers']));
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY) chunks.push(c);
      });
      stream.on('error', (err) => reject(err));
      stream.on('close', () => {
        const status = Number(answer[':status']);
        if (!status) reject(timedOut ? new Http2TimeoutError() : new Error(stream.rstCode ? `stream reset (${stream.rstCode})` : 'no answer'));
        else resolve({ status, headers: answer, body: Buffer.concat(chunks).toString('utf8') });
      });
      stream.end(body);
    });
  }

  close(): void {
    this.closed = true;
    for (const s of this.sessions) s?.close();
    for (const w of this.waiting.splice(0)) w();
  }
}
