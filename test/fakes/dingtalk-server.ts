import { randomBytes } from 'node:crypto';
import { AddressModes, FakeHttpServer, FakeTokenIssuer, type FakeAnswer, type FakeRequest, type HostileAnswer } from './fake-http.js';

/**
 * A fake DingTalk open API (`oapi.dingtalk.com`): `GET /gettoken?appkey=&appsecret=` (40089
 * for unknown or wrong credentials) and the work notice
 * `POST /topapi/message/corpconversation/asyncsend_v2?access_token=` with
 * `{agent_id, userid_list: "a,b", msg}`. An unknown token is refused the way DingTalk's TOP
 * gateway does (errcode 88, sub_code 40014), an expired one with 42001; 40056 for another
 * application's agent_id; more than 100 userids is 40035. Unknown userids are accepted and
 * left out of delivery (DingTalk reports them later), or, with `refuseUnknownUsers`, refuse the
 * request with 33012. Per userid a test can make it answer a call-frequency limit (90018),
 * busy (-1), or a hostile answer. `POST /topapi/message/corpconversation/getsendresult` reports
 * a task's userids: read (those in `read`), unread, and invalid (the unknown ones).
 */

export type DingTalkMode = 'rateLimit' | 'busy' | HostileAnswer;

export interface DingTalkTask {
  taskId: number;
  appkey: string;
  body: Record<string, unknown>;
  /** Userids the notice went to (the known ones). */
  delivered: string[];
}

interface App {
  secret: string;
  agentId: number;
  users: Set<string>;
}

export class FakeDingTalk {
  readonly apps = new Map<string, App>();
  readonly tokens = new FakeTokenIssuer();
  readonly modes = new AddressModes<DingTalkMode>();
  readonly tasks: DingTalkTask[] = [];
  refuseUnknownUsers = false;
  private nextTask = 256_271_667_000;

  private constructor(private readonly http: FakeHttpServer) {}

  static async start(): Promise<FakeDingTalk> {
    const holder: { fake?: FakeDingTalk } = {};
    const http = await FakeHttpServer.start((req) => holder.fake!.handle(req));
    holder.fake = new FakeDingTalk(http);
    return holder.fake;
  }

  get url(): string {
    return this.http.url;
  }

  addApp(appkey: string, secret: string, agentId: number, users: string[]): void {
    this.apps.set(appkey, { secret, agentId, users: new Set(users) });
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private handle(req: FakeRequest): FakeAnswer {
    if (req.method === 'GET' && req.path === '/gettoken') return this.token(req);
    if (req.method === 'POST' && req.path === '/topapi/message/corpconversation/asyncsend_v2') return this.send(req);
    if (req.method === 'POST' && req.path === '/topapi/message/corpconversation/getsendresult') return this.sendResult(req);
    return { json: { errcode: 404, errmsg: '请求的URI地址不存在' }, status: 404 };
  }

  private token(req: FakeRequest): FakeAnswer {
    const appkey = req.query.get('appkey') ?? '';
    const app = this.apps.get(appkey);
    if (!app || req.query.get('appsecret') !== app.secret) return { json: { errcode: 40089, errmsg: '不合法的appkey或appsecret' } };
    return { json: { errcode: 0, errmsg: 'ok', ...this.tokens.issue(appkey) } };
  }

  /** Userids that have read their notice (the rest of the delivered ones are unread). */
  readonly read = new Set<string>();

  private sendResult(req: FakeRequest): FakeAnswer {
    const owner = this.tokens.check(req.query.get('access_token'));
    if (owner === 'invalid') return { json: { errcode: 88, sub_code: '40014', sub_msg: '不合法的access_token', errmsg: 'ding talk error[subcode=40014]' } };
    if (owner === 'expired') return { json: { errcode: 42001, errmsg: 'access_token超时' } };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return { json: { errcode: 40035, errmsg: '不合法的参数' } };
    }
    const task = this.tasks.find((t) => t.taskId === body.task_id && t.appkey === owner);
    if (!task || body.agent_id !== this.apps.get(owner)!.agentId) return { json: { errcode: 40035, errmsg: '不合法的参数: task_id' } };
    const asked = typeof task.body.userid_list === 'string' ? task.body.userid_list.split(',').filter(Boolean) : [];
    return {
      json: {
        errcode: 0,
        errmsg: 'ok',
        send_result: {
          invalid_user_id_list: asked.filter((u) => !task.delivered.includes(u)),
          forbidden_user_id_list: [],
          failed_user_id_list: [],
          read_user_id_list: task.delivered.filter((u) => this.read.has(u)),
          unread_user_id_list: task.delivered.filter((u) => !this.read.has(u)),
          invalid_dept_id_list: [],
          forbidden_list: [],
        },
        request_id: randomBytes(6).toString('hex'),
      },
    };
  }

  private send(req: FakeRequest): FakeAnswer {
    const owner = this.tokens.check(req.query.get('access_token'));
    if (owner === 'invalid') return { json: { errcode: 88, sub_code: '40014', sub_msg: '不合法的access_token', errmsg: 'ding talk error[subcode=40014,submsg=不合法的access_token]', request_id: 'r1' } };
    if (owner === 'expired') return { json: { errcode: 42001, errmsg: 'access_token超时' } };
    const app = this.apps.get(owner)!;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return { json: { errcode: 40035, errmsg: '不合法的参数' } };
    }
    if (body.agent_id !== app.agentId) return { json: { errcode: 40056, errmsg: '不合法的agentid' } };
    const msg = body.msg as Record<string, unknown> | undefined;
    if (typeof msg !== 'object' || msg === null || typeof msg.msgtype !== 'string' || typeof msg[msg.msgtype] !== 'object') return { json: { errcode: 40035, errmsg: '不合法的参数: msg' } };
    const users = typeof body.userid_list === 'string' ? body.userid_list.split(',').filter(Boolean) : [];
    if (users.length === 0 || users.length > 100) return { json: { errcode: 40035, errmsg: '不合法的参数: userid_list' } };
    for (const u of users) {
      const mode = this.modes.take(u);
      if (mode === 'rateLimit') return { json: { errcode: 90018, errmsg: '当前企业调用该接口超过限制' } };
      if (mode === 'busy') return { json: { errcode: -1, errmsg: '系统繁忙' } };
      if (mode) return { hostile: mode };
    }
    if (this.refuseUnknownUsers && users.some((u) => !app.users.has(u))) return { json: { errcode: 33012, errmsg: '无效的USERID' } };
    const taskId = this.nextTask++;
    this.tasks.push({ taskId, appkey: owner, body, delivered: users.filter((u) => app.users.has(u)) });
    return { json: { errcode: 0, task_id: taskId, request_id: randomBytes(6).toString('hex') } };
  }
}
