import { createSign, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AddressModes, FakeHttpServer, type FakeAnswer, type FakeRequest, type HostileAnswer } from './fake-http.js';

/**
 * A fake Alipay open-platform gateway (`/gateway.do`) for
 * `alipay.open.public.message.single.send`. Common parameters may come in the query string or
 * the form body (the official SDKs split them that way). It checks them as the gateway does:
 * 40001 for a missing app_id or sign, 40002 for an unknown app_id, method, sign_type, charset,
 * a timestamp that is not `yyyy-MM-dd HH:mm:ss` within 15 minutes of now (China time), or an
 * RSA2 signature that does not verify with the application's public key. Answers are
 * `{"alipay_open_public_message_single_send_response": {...}, "sign": ".."}`, the success
 * signed with the fake's own key (its public key is the "Alipay public key" of the app); error
 * answers go unsigned, as the real gateway's do. Per recipient a test can make it answer an
 * invalid OpenID / user (40002 invalid-openid), the call limit (40005), service unavailable
 * (20000), a success signed with a foreign key, an unsigned success, or a hostile answer.
 */

export type AlipayMode = 'invalidUser' | 'callLimited' | 'unavailable' | 'foreignSignature' | 'unsigned' | HostileAnswer;

export interface AlipaySend {
  appId: string;
  params: Record<string, string>;
  biz: { to_user_id?: string; to_open_id?: string; template: { template_id: string; context: Record<string, unknown> } };
}

/** A type, not an interface, so it passes where credentials are a plain record. */
export type AlipayAppCredentials = {
  app_id: string;
  private_key: string;
  alipay_public_key: string;
};

const METHOD = 'alipay.open.public.message.single.send';
const MEMBER = 'alipay_open_public_message_single_send_response';

function rsaPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

/** Keys as Alipay's console shows them: bare base64 (PKCS#8 / SPKI DER). */
function bare(key: KeyObject): string {
  return (key.type === 'private' ? key.export({ type: 'pkcs8', format: 'der' }) : key.export({ type: 'spki', format: 'der' })).toString('base64');
}

/** Parses `yyyy-MM-dd HH:mm:ss` as China time (UTC+8), in ms. */
function parseTimestamp(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) - 8 * 3600_000;
}

export class FakeAlipay {
  private readonly gatewayKeys = rsaPair();
  private readonly foreignKeys = rsaPair();
  private readonly apps = new Map<string, KeyObject>();
  readonly modes = new AddressModes<AlipayMode>();
  readonly sends: AlipaySend[] = [];
  /** Requests that reached the gateway, valid or not. */
  requests = 0;
  private nextApp = 2021000000000001;

  private constructor(private readonly http: FakeHttpServer) {}

  static async start(): Promise<FakeAlipay> {
    const holder: { fake?: FakeAlipay } = {};
    const http = await FakeHttpServer.start((req) => holder.fake!.handle(req));
    holder.fake = new FakeAlipay(http);
    return holder.fake;
  }

  /** The gateway URL (the channel's endpoint). */
  get url(): string {
    return `${this.http.url}/gateway.do`;
  }

  /** Registers a new application; its credentials as a Borealis app would store them. */
  createApp(): AlipayAppCredentials {
    const keys = rsaPair();
    const appId = String(this.nextApp++);
    this.apps.set(appId, keys.publicKey);
    return { app_id: appId, private_key: bare(keys.privateKey), alipay_public_key: bare(this.gatewayKeys.publicKey) };
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private handle(req: FakeRequest): FakeAnswer {
    if (req.method !== 'POST' || req.path !== '/gateway.do') return { text: 'not found', status: 404, contentType: 'text/plain' };
    this.requests++;
    const params: Record<string, string> = {};
    for (const [k, v] of req.query) params[k] = v;
    const contentType = String(req.headers['content-type'] ?? '');
    if (contentType.startsWith('application/x-www-form-urlencoded')) for (const [k, v] of new URLSearchParams(req.body)) params[k] = v;
    const refuse = (code: string, msg: string, subCode: string, subMsg: string): FakeAnswer => this.answer({ code, msg, sub_code: subCode, sub_msg: subMsg }, 'none');

    if (!params.app_id) return refuse('40001', 'Missing Required Arguments', 'isv.missing-app-id', '缺少AppID参数');
    const appKey = this.apps.get(params.app_id);
    if (!appKey) return refuse('40002', 'Invalid Arguments', 'isv.invalid-app-id', '无效的AppID参数');
    if (params.method !== METHOD) return refuse('40002', 'Invalid Arguments', 'isv.invalid-method', '不存在的方法名');
    if (params.sign_type !== 'RSA2') return refuse('40002', 'Invalid Arguments', 'isv.invalid-signature-type', '无效的签名类型');
    if (params.charset?.toLowerCase() !== 'utf-8') return refuse('40002', 'Invalid Arguments', 'isv.invalid-charset', '字符集错误');
    if (params.version !== '1.0') return refuse('40002', 'Invalid Arguments', 'isv.invalid-parameter', 'version');
    const at = parseTimestamp(params.timestamp ?? '');
    if (at === undefined || Math.abs(at - Date.now()) > 15 * 60_000) return refuse('40002', 'Invalid Arguments', 'isv.invalid-timestamp', '非法的时间戳参数');
    if (!params.sign) return refuse('40001', 'Missing Required Arguments', 'isv.missing-signature', '缺少签名参数');
    const signed = Object.keys(params)
      .filter((k) => k !== 'sign' && params[k] !== '')
      .sort()
      .map((k) => `${k}=${params[k]}`)
      .join('&');
    if (!createVerify('RSA-SHA256').update(signed, 'utf8').verify(appKey, params.sign, 'base64')) {
      return refuse('40002', 'Invalid Arguments', 'isv.invalid-signature', '验签出错');
    }
    let biz: AlipaySend['biz'];
    try {
      biz = JSON.parse(params.biz_content ?? '') as AlipaySend['biz'];
    } catch {
      return refuse('40002', 'Invalid Arguments', 'isv.illegal-json', 'biz_content');
    }
    const to = biz.to_user_id ?? biz.to_open_id;
    if (typeof to !== 'string' || typeof biz.template?.template_id !== 'string' || typeof biz.template.context !== 'object') {
      return refuse('40002', 'Invalid Arguments', 'isv.invalid-parameter', 'to_user_id / to_open_id, template.template_id and template.context are required');
    }
    const mode = this.modes.take(to);
    switch (mode) {
      case 'invalidUser':
        return refuse('40002', 'Invalid Arguments', 'invalid-openid', '无效的openid');
      case 'callLimited':
        return refuse('40005', 'Call Limited', 'isv.app-call-limited', '应用调用次数超限');
      case 'unavailable':
        return refuse('20000', 'Service Currently Unavailable', 'isp.unknow-error', '系统繁忙');
      case 'foreignSignature':
        return this.answer({ code: '10000', msg: 'Success' }, 'foreign');
      case 'unsigned':
        return this.answer({ code: '10000', msg: 'Success' }, 'none');
      case undefined:
        break;
      default:
        return { hostile: mode };
    }
    this.sends.push({ appId: params.app_id, params, biz });
    return this.answer({ code: '10000', msg: 'Success' }, 'gateway');
  }

  /** The gateway's answer body, signed over the member's exact JSON text (as the real one is laid out). */
  private answer(member: Record<string, string>, signer: 'gateway' | 'foreign' | 'none'): FakeAnswer {
    const memberText = JSON.stringify(member);
    if (signer === 'none') return { text: `{"${MEMBER}":${memberText}}`, contentType: 'text/html;charset=utf-8' };
    const key = signer === 'gateway' ? this.gatewayKeys.privateKey : this.foreignKeys.privateKey;
    const sign = createSign('RSA-SHA256').update(memberText, 'utf8').sign(key, 'base64');
    return { text: `{"${MEMBER}":${memberText},"sign":"${sign}"}`, contentType: 'text/html;charset=utf-8' };
  }
}
