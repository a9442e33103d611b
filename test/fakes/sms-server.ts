import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One SMS the fake gateway took. */
export interface FakeSms {
  mobile: string;
  temp_id: number;
  temp_para?: Record<string, unknown>;
  sign_id?: number;
  at: number;
}

/**
 * A fake Jiguang SMS (JSMS) gateway on a loopback port: `POST /v1/messages` with HTTP Basic
 * `key:secret` and `{"mobile","temp_id","temp_para"?,"sign_id"?}`. Answers 200 `{"msg_id"}`, or
 * a JSMS-style `{"error":{"code","message"}}`: 50002 (401) for wrong credentials, 50006 for a
 * mobile it was told to refuse or one that is not 11 digits, 50013 for a missing temp_id.
 */
export class FakeSmsServer {
  readonly messages: FakeSms[] = [];
  readonly refused = new Set<string>();
  requests = 0;
  private nextId = 1;

  private constructor(
    private readonly server: Server,
    readonly key: string,
    readonly secret: string,
  ) {}

  static async start(key = 'smskey', secret = 'smssecret'): Promise<FakeSmsServer> {
    const server = createServer();
    const fake = new FakeSmsServer(server, key, secret);
    server.on('request', (req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        fake.requests++;
        const answer = (status: number, json: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(json));
        };
        if (req.method !== 'POST' || req.url !== '/v1/messages') return answer(404, { error: { code: 50000, message: 'not found' } });
        const expected = 'Basic ' + Buffer.from(`${fake.key}:${fake.secret}`).toString('base64');
        if (req.headers.authorization !== expected) return answer(401, { error: { code: 50002, message: 'auth failed' } });
        let msg: Partial<FakeSms>;
        try {
          msg = JSON.parse(body) as Partial<FakeSms>;
        } catch {
          return answer(400, { error: { code: 50007, message: 'invalid body' } });
        }
        if (typeof msg.temp_id !== 'number') return answer(400, { error: { code: 50013, message: 'invalid temp_id' } });
        if (typeof msg.mobile !== 'string' || !/^[0-9]{11}$/.test(msg.mobile) || fake.refused.has(msg.mobile)) {
          return answer(400, { error: { code: 50006, message: 'invalid mobile' } });
        }
        fake.messages.push({ mobile: msg.mobile, temp_id: msg.temp_id, temp_para: msg.temp_para, sign_id: msg.sign_id, at: Date.now() });
        return answer(200, { msg_id: String(fake.nextId++) });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
