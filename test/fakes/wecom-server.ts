import { randomBytes } from 'node:crypto';
import { AddressModes, FakeHttpServer, FakeTokenIssuer, type FakeAnswer, type FakeRequest, type HostileAnswer } from './fake-http.js';

/**
 * A fake WeCom API (`qyapi.weixin.qq.com`): `GET /cgi-bin/gettoken?corpid=&corpsecret=`
 * (40013 unknown corp, 40001 wrong secret), `POST /cgi-bin/message/send` (members joined with
 * `|`, at most 1,000) and `POST /cgi-bin/linkedcorp/message/send` (an array of
 * `CorpId/userid`), with `?access_token=` (41001 missing, 40014 invalid, 42001 expired) and
 * 40056 for a wrong agentid. Unknown members come back in `invaliduser` (lower-cased, as WeCom
 * does), members without a license in `unlicenseduser`, and 81013 when no member is valid.
 * A mode set on any member of a request applies to the whole request.
 */

export type WecomMode = 'rateLimit' | 'busy' | HostileAnswer;

export interface WecomSend {
  path: string;
  corpid: string;
  body: Record<string, unknown>;
}

interface Corp {
  secret: string;
  agentid: number;
  members: Set<string>;
  unlicensed: Set<string>;
  linked: Set<string>;
}

const TYPES = ['text', 'image', 'voice', 'video', 'file', 'textcard', 'news', 'mpnews', 'markdown', 'miniprogram_notice', 'template_card'];

export class FakeWecom {
  readonly corps = new Map<string, Corp>();
  readonly tokens = new FakeTokenIssuer();
  readonly modes = new AddressModes<WecomMode>();
  readonly sends: WecomSend[] = [];
  tokenEndpointBusy = false;

  private constructor(private readonly http: FakeHttpServer) {}

  static async start(): Promise<FakeWecom> {
    const holder: { fake?: FakeWecom } = {};
    const http = await FakeHttpServer.start((req) => holder.fake!.handle(req));
    holder.fake = new FakeWecom(http);
    return holder.fake;
  }

  get url(): string {
    return this.http.url;
  }

  addCorp(corpid: string, secret: string, agentid: number, members: string[], options: { unlicensed?: string[]; linked?: string[] } = {}): void {
    this.corps.set(corpid, { secret, agentid, members: new Set(members), unlicensed: new Set(options.unlicensed ?? []), linked: new Set(options.linked ?? []) });
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private handle(req: FakeRequest): FakeAnswer {
    if (req.method === 'GET' && req.path === '/cgi-bin/gettoken') return this.token(req);
    if (req.method === 'POST' && (req.path === '/cgi-bin/message/send' || req.path === '/cgi-bin/linkedcorp/message/send')) return this.send(req);
    return { json: { errcode: 404, errmsg: 'invalid url' }, status: 404 };
  }

  private token(req: FakeRequest): FakeAnswer {
    if (this.tokenEndpointBusy) return { json: { errcode: -1, errmsg: 'system busy' } };
    const corpid = req.query.get('corpid') ?? '';
    const corp = this.corps.get(corpid);
    if (!corp) return { json: { errcode: 40013, errmsg: 'invalid corpid' } };
    if (req.query.get('corpsecret') !== corp.secret) return { json: { errcode: 40001, errmsg: 'invalid secret' } };
    return { json: { errcode: 0, errmsg: 'ok', ...this.tokens.issue(corpid) } };
  }

  private send(req: FakeRequest): FakeAnswer {
    const token = req.query.get('access_token');
    if (!token) return { json: { errcode: 41001, errmsg: 'access_token missing' } };
    const corpid = this.tokens.check(token);
    if (corpid === 'invalid') return { json: { errcode: 40014, errmsg: 'invalid access_token' } };
    if (corpid === 'expired') return { json: { errcode: 42001, errmsg: 'access_token expired' } };
    const corp = this.corps.get(corpid)!;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return { json: { errcode: 47001, errmsg: 'data format error' } };
    }
    if (body.agentid !== corp.agentid) return { json: { errcode: 40056, errmsg: 'invalid agentid' } };
    const type = body.msgtype;
    if (typeof type !== 'string' || !TYPES.includes(type) || typeof body[type] !== 'object') return { json: { errcode: 40008, errmsg: 'invalid message type' } };
    const linked = req.path.startsWith('/cgi-bin/linkedcorp/');
    const members = linked ? (Array.isArray(body.touser) ? (body.touser as unknown[]).filter((u): u is string => typeof u === 'string') : []) : typeof body.touser === 'string' ? body.touser.split('|') : [];
    if (members.length === 0) return { json: { errcode: 40031, errmsg: 'invalid user list' } };
    if (members.length > 1000) return { json: { errcode: 40031, errmsg: 'user list too long' } };
    for (const m of members) {
      const mode = this.modes.take(m);
      if (mode === 'rateLimit') return { json: { errcode: 45009, errmsg: 'api freq out of limit' } };
      if (mode === 'busy') return { json: { errcode: -1, errmsg: 'system busy' } };
      if (mode) return { hostile: mode };
    }
    const known = linked ? corp.linked : corp.members;
    const invalid = members.filter((m) => !known.has(m));
    const unlicensed = members.filter((m) => known.has(m) && corp.unlicensed.has(m));
    if (invalid.length + unlicensed.length === members.length) return { json: { errcode: 81013, errmsg: 'user & party & tag all invalid' } };
    this.sends.push({ path: req.path, corpid, body });
    const msgid = randomBytes(12).toString('base64url');
    if (linked) return { json: { errcode: 0, errmsg: 'ok', invaliduser: invalid.map((u) => u.toLowerCase()), invalidparty: [], invalidtag: [] } };
    return {
      json: { errcode: 0, errmsg: 'ok', invaliduser: invalid.map((u) => u.toLowerCase()).join('|'), invalidparty: '', invalidtag: '', unlicenseduser: unlicensed.map((u) => u.toLowerCase()).join('|'), msgid, response_code: 'rc' },
    };
  }
}
