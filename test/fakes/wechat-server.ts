import { AddressModes, FakeHttpServer, FakeTokenIssuer, type FakeAnswer, type FakeRequest, type HostileAnswer } from './fake-http.js';

/**
 * A fake WeChat API (`api.weixin.qq.com`) for official accounts and mini programs:
 * `GET /cgi-bin/token` and `POST /cgi-bin/stable_token` (client_credential grant: 40002 wrong
 * grant, 40013 unknown appid, 40125 wrong secret; a stable token is answered again until it
 * expires or `force_refresh`), and the sends `POST /cgi-bin/message/template/send`,
 * `/cgi-bin/message/subscribe/bizsend` (official account) and `/cgi-bin/message/subscribe/send`
 * (mini program) with `?access_token=` (41001 missing, 40001 invalid, 42001 expired), answering
 * `{"errcode","errmsg"}` over HTTP 200 as WeChat does. Per openid a test can make it answer
 * invalid openid (40003), not following (43004), refused (43101), quota (45009), busy (-1), a
 * token refusal (40001), or a hostile answer.
 */

export type WechatMode = 'invalid' | 'unfollowed' | 'refused' | 'rateLimit' | 'busy' | 'tokenRejected' | HostileAnswer;

export interface WechatSend {
  path: string;
  appid: string;
  body: Record<string, unknown>;
}

const SEND_PATHS = ['/cgi-bin/message/template/send', '/cgi-bin/message/subscribe/bizsend', '/cgi-bin/message/subscribe/send'];

export class FakeWechat {
  readonly apps = new Map<string, string>();
  readonly tokens = new FakeTokenIssuer();
  readonly modes = new AddressModes<WechatMode>();
  readonly sends: WechatSend[] = [];
  /** Template ids WeChat does not know (40037). */
  readonly unknownTemplates = new Set<string>();
  /** Makes the token endpoint answer busy (-1) while set. */
  tokenEndpointBusy = false;
  private nextMsgId = 1000;

  private constructor(private readonly http: FakeHttpServer) {}

  static async start(): Promise<FakeWechat> {
    const holder: { fake?: FakeWechat } = {};
    const http = await FakeHttpServer.start((req) => holder.fake!.handle(req));
    holder.fake = new FakeWechat(http);
    return holder.fake;
  }

  get url(): string {
    return this.http.url;
  }

  addApp(appid: string, secret: string): void {
    this.apps.set(appid, secret);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private handle(req: FakeRequest): FakeAnswer {
    if (req.method === 'GET' && req.path === '/cgi-bin/token') return this.token(req);
    if (req.method === 'POST' && req.path === '/cgi-bin/stable_token') return this.stableToken(req);
    if (req.method === 'POST' && SEND_PATHS.includes(req.path)) return this.send(req);
    return { json: { errcode: 404, errmsg: 'invalid url' }, status: 404 };
  }

  private token(req: FakeRequest): FakeAnswer {
    if (this.tokenEndpointBusy) return { json: { errcode: -1, errmsg: 'system error' } };
    if (req.query.get('grant_type') !== 'client_credential') return { json: { errcode: 40002, errmsg: 'invalid grant_type' } };
    const appid = req.query.get('appid') ?? '';
    const secret = this.apps.get(appid);
    if (secret === undefined) return { json: { errcode: 40013, errmsg: 'invalid appid' } };
    if (req.query.get('secret') !== secret) return { json: { errcode: 40125, errmsg: 'invalid appsecret' } };
    return { json: this.tokens.issue(appid) };
  }

  /** Tokens of `stable_token`, per appid: the same one until it expires or force_refresh. */
  private readonly stable = new Map<string, string>();
  /** Bodies of stable_token requests, as sent. */
  readonly stableTokenRequests: Record<string, unknown>[] = [];

  private stableToken(req: FakeRequest): FakeAnswer {
    if (this.tokenEndpointBusy) return { json: { errcode: -1, errmsg: 'system error' } };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return { json: { errcode: 47001, errmsg: 'data format error' } };
    }
    this.stableTokenRequests.push(body);
    if (body.grant_type !== 'client_credential') return { json: { errcode: 40002, errmsg: 'invalid grant_type' } };
    const appid = typeof body.appid === 'string' ? body.appid : '';
    const secret = this.apps.get(appid);
    if (secret === undefined) return { json: { errcode: 40013, errmsg: 'invalid appid' } };
    if (body.secret !== secret) return { json: { errcode: 40125, errmsg: 'invalid appsecret' } };
    const current = this.stable.get(appid);
    if (current !== undefined && body.force_refresh !== true && this.tokens.check(current) === appid) {
      return { json: { access_token: current, expires_in: this.tokens.lifetimeSeconds } };
    }
    const issued = this.tokens.issue(appid);
    this.stable.set(appid, issued.access_token);
    return { json: issued };
  }

  private send(req: FakeRequest): FakeAnswer {
    const token = req.query.get('access_token');
    if (!token) return { json: { errcode: 41001, errmsg: 'access_token missing' } };
    const owner = this.tokens.check(token);
    if (owner === 'invalid') return { json: { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' } };
    if (owner === 'expired') return { json: { errcode: 42001, errmsg: 'access_token expired' } };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return { json: { errcode: 47001, errmsg: 'data format error' } };
    }
    const touser = body.touser;
    if (typeof touser !== 'string' || touser.length === 0) return { json: { errcode: 40003, errmsg: 'invalid openid' } };
    if (typeof body.template_id !== 'string' || this.unknownTemplates.has(body.template_id)) return { json: { errcode: 40037, errmsg: 'invalid template_id' } };
    const data = body.data;
    if (typeof data !== 'object' || data === null || Object.values(data).some((v) => typeof v !== 'object' || v === null || !('value' in v))) {
      return { json: { errcode: 47003, errmsg: 'argument invalid! data.value empty' } };
    }
    switch (this.modes.take(touser)) {
      case 'invalid':
        return { json: { errcode: 40003, errmsg: 'invalid openid' } };
      case 'unfollowed':
        return { json: { errcode: 43004, errmsg: 'require subscribe' } };
      case 'refused':
        return { json: { errcode: 43101, errmsg: 'user refuse to accept the msg' } };
      case 'rateLimit':
        return { json: { errcode: 45009, errmsg: 'reach max api daily quota limit' } };
      case 'busy':
        return { json: { errcode: -1, errmsg: 'system error' } };
      case 'tokenRejected':
        return { json: { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' } };
      case 'garbage':
        return { hostile: 'garbage' };
      case 'huge':
        return { hostile: 'huge' };
      case 'silent':
        return { hostile: 'silent' };
      case 'trickle':
        return { hostile: 'trickle' };
      default:
        break;
    }
    this.sends.push({ path: req.path, appid: owner, body });
    if (req.path === '/cgi-bin/message/template/send') return { json: { errcode: 0, errmsg: 'ok', msgid: this.nextMsgId++ } };
    return { json: { errcode: 0, errmsg: 'ok' } };
  }
}
