import multipart from '@fastify/multipart';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { ServerContext } from '../../context.js';
import { StoreFeatureUnavailable } from '../../store/store-errors.js';
import type { UmsChannelRecord } from '../../store/ums-types.js';
import { CHANNEL_UNUSABLE, UMS_CODES, UmsError, illegal, umsError } from '../../ums/errors.js';
import { parsePolicySteps, policyToWire } from '../../ums/policies.js';
import { authenticate, messagingCredentials, type UmsCaller } from '../../ums/secrets.js';
import { parseUserOpt } from '../../ums/users.js';
import { USERID, hasControlChars } from '../../ums/users.js';
import { parseSendRequest } from './parse-send.js';
import { expandTemplateSend, parseTemplateContent, templateToWire } from '../../ums/templates.js';
import { traceOf } from '../../ums/trace.js';

/** Most entries one `/v1/user/opt` or `/v1/user/delete` takes. */
const MAX_USER_ENTRIES = 1000;
/** `GET /v1/token` types and the channel each names. */
const TOKEN_TYPES: Readonly<Record<string, string>> = { wechatoa: 'wechatoa', wechatmp: 'wechatmp', dingtalkcc: 'dingtalk_cc', wechatwk: 'wechatwk' };

/** Something a messaging channel may offer: its current access token (WeChat, DingTalk, WeCom). */
interface TokenSource {
  accessToken(credentials: Record<string, unknown>): Promise<{ token: string; expiresIn: number }>;
}

function toUmsError(err: unknown): UmsError | undefined {
  if (err instanceof UmsError) return err;
  if (err instanceof StoreFeatureUnavailable) return new UmsError(UMS_CODES.serverError, err.message, err.status);
  const fe = err as FastifyError;
  if (fe?.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fe?.code === 'FST_REQ_FILE_TOO_LARGE') return illegal('the request body is too large');
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) return illegal(String(fe.message).slice(0, 200));
  // the shared JSON reader refuses bodies with a JPush ApiError
  if (typeof (err as { code?: unknown })?.code === 'number' && (err as { status?: number }).status === 400) return illegal(String((err as Error).message).slice(0, 200));
  return undefined;
}

const callers = new WeakMap<FastifyRequest, UmsCaller>();

/** `name` of a policy or template body: 1..128 characters without control characters. */
function readName(b: Record<string, unknown>, partial: boolean): string | undefined {
  if (b.name !== undefined && (typeof b.name !== 'string' || b.name === '' || b.name.length > 128 || hasControlChars(b.name))) {
    throw illegal('name must be a string of 1..128 characters without control characters');
  }
  if (!partial && b.name === undefined) throw illegal('name is required');
  return b.name as string | undefined;
}

/**
 * The Jiguang UMS v1 API: sending to users over app, SMS, email and IM channels, user
 * management, retraction, materials, tokens, send policies. An encapsulated plugin with its
 * own answers (`{"code","message"}`, 4004 / 4005 / 1015xxx) and its own Basic auth
 * (ChannelKey:MasterSecret, or the global AccessKey where the reference allows it).
 */
export const umsApi: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const ums = ctx.ums;
  app.setErrorHandler((err, request, reply) => {
    let e = toUmsError(err);
    if (!e) {
      request.log.error({ err }, 'UMS request failed');
      e = new UmsError(UMS_CODES.serverError, 'server error');
    }
    return reply.status(e.status).send({ code: e.code, message: e.message });
  });

  const caller = (request: FastifyRequest) => callers.get(request)!;
  const channelOf = (request: FastifyRequest): UmsChannelRecord => {
    const c = caller(request);
    if (c.kind !== 'channel') throw umsError(UMS_CODES.authFailed, 'this API takes ChannelKey:MasterSecret');
    return c.channel;
  };
  const auth =
    (allow: { channel: boolean; accessKey: boolean; sending?: boolean }) =>
    async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
      const who = await authenticate(ums.store, request.headers.authorization);
      if (!who || (who.kind === 'channel' && !allow.channel) || (who.kind === 'accessKey' && !allow.accessKey)) {
        throw umsError(UMS_CODES.authFailed, 'authentication failed: check the ChannelKey / AccessKey and its secret');
      }
      if (who.kind === 'channel') {
        if (allow.sending && !who.channel.enabled) throw umsError(UMS_CODES.channelClosed, 'the channel is closed');
        const limit = ctx.config.ums.requestsPerMinute;
        if (limit > 0 && !ctx.rateLimiter.hit(`ums:${who.channel.channelKey}`, limit, 60).allowed) {
          throw umsError(UMS_CODES.rateLimited, `over the channel's ${limit} API calls per minute`);
        }
      }
      callers.set(request, who);
    };
  const sending = auth({ channel: true, accessKey: false, sending: true });
  const channelOnly = auth({ channel: true, accessKey: false });
  const either = auth({ channel: true, accessKey: true });
  const accessKeyOnly = auth({ channel: false, accessKey: true });

  const send = (kind: 'sent' | 'broadcast', template: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const c = channelOf(request);
    const body = template ? await expandTemplateSend(request.body, (id) => ums.store.getTemplate(id), (await ums.store.getSettings(c.channelKey)).vip) : request.body;
    const req = parseSendRequest(body, kind, ums.messaging, c.appKey ?? '');
    const result = await ums.service.send(c, req);
    return reply.send({ code: 0, message: 'success', msgid: result.msgid, ...(result.sendno !== undefined && { sendno: result.sendno }) });
  };
  app.post('/v1/sent', { preHandler: sending }, send('sent', false));
  app.post('/v1/broadcast', { preHandler: sending }, send('broadcast', false));
  app.post('/v1/template/sent', { preHandler: sending }, send('sent', true));
  app.post('/v1/template/broadcast', { preHandler: sending }, send('broadcast', true));

  // which step of a message went to whom, and what came of it (one user's with ?userid=)
  app.get('/v1/trace/:msgid', { preHandler: channelOnly }, async (request, reply) => {
    const { msgid } = request.params as { msgid: string };
    const userid = (request.query as Record<string, unknown>).userid;
    if (userid !== undefined && (typeof userid !== 'string' || userid.length > 256 || hasControlChars(userid))) throw illegal('userid must be one user id (or raw address)');
    const m = /^[0-9]{1,20}$/.test(msgid) ? await ums.store.getMessage(msgid) : undefined;
    if (!m || m.channelKey !== channelOf(request).channelKey) throw illegal(`no message ${msgid.slice(0, 64)} of this channel`);
    const { channelKey: _c, ...trace } = traceOf(m, await ums.store.jobsOf(msgid, userid));
    return reply.send({ code: 0, message: 'success', data: trace });
  });

  app.post('/v1/retract/:msgid', { preHandler: sending }, async (request, reply) => {
    const { msgid } = request.params as { msgid: string };
    if (!/^[0-9]{1,20}$/.test(msgid)) throw illegal('msgid is not a message id');
    await ums.service.retract(channelOf(request), msgid, (appKey, pushMsgId) => ctx.delivery.revoke(appKey, pushMsgId));
    return reply.send({ code: 0, message: 'success' });
  });

  app.post('/v1/user/opt', { preHandler: either }, async (request, reply) => {
    const who = caller(request);
    const body = request.body;
    if (!Array.isArray(body) || body.length === 0 || body.length > MAX_USER_ENTRIES) throw illegal(`the body must be an array of 1..${MAX_USER_ENTRIES} users`);
    // a channel writes only under its own ChannelKey and its app's channel code
    const mayBind = (bindId: string) => who.kind === 'accessKey' || bindId === who.channel.channelKey || (who.channel.appKey !== null && bindId === who.channel.appKey);
    const success: string[] = [];
    const fail: { userid: string; errcode: string; errmsg: string }[] = [];
    for (const entry of body) {
      try {
        const { userid, changes } = parseUserOpt(entry, mayBind);
        await ums.store.changeUser(userid, changes, Date.now());
        success.push(userid);
      } catch (err) {
        const userid = typeof (entry as { userid?: unknown })?.userid === 'string' ? ((entry as { userid: string }).userid.slice(0, 64)) : '';
        fail.push({ userid, errcode: String(UMS_CODES.illegalParam), errmsg: (err as Error).message.slice(0, 200) });
      }
    }
    return reply.send({ code: 0, message: 'success', data: { success, fail } });
  });

  app.post('/v1/user/delete', { preHandler: accessKeyOnly }, async (request, reply) => {
    const body = request.body;
    if (!Array.isArray(body) || body.length === 0 || body.length > MAX_USER_ENTRIES) throw illegal(`the body must be an array of 1..${MAX_USER_ENTRIES} user ids`);
    const valid = body.filter((u): u is string => typeof u === 'string' && USERID.test(u));
    const gone = new Set(await ums.store.deleteUsers(valid));
    const fail = body
      .filter((u) => typeof u !== 'string' || !gone.has(u))
      .map((u) => ({ userid: typeof u === 'string' ? u.slice(0, 64) : '', errcode: String(UMS_CODES.illegalParam), errmsg: typeof u === 'string' && USERID.test(u) ? 'no such user' : 'not a user id' }));
    return reply.send({ code: 0, message: 'success', data: { success: [...gone], fail } });
  });

  app.get('/v1/token', { preHandler: channelOnly }, async (request, reply) => {
    const type = (request.query as Record<string, unknown>).type;
    const channel = typeof type === 'string' ? TOKEN_TYPES[type] : undefined;
    if (!channel) throw illegal(`type must be one of ${Object.keys(TOKEN_TYPES).join(', ')}`);
    const c = channelOf(request);
    const impl = ums.messaging.get(channel as never) as (TokenSource & object) | undefined;
    const creds = impl ? await messagingCredentials(ums.store, ums.sealingKey, c.channelKey, channel) : undefined;
    if (!impl || typeof (impl as Partial<TokenSource>).accessToken !== 'function' || !creds) {
      throw umsError(CHANNEL_UNUSABLE[channel] ?? UMS_CODES.channelInvalid, `the ${channel} channel is not configured for this channel`);
    }
    const t = await impl.accessToken(creds).catch((err: unknown) => {
      throw umsError(CHANNEL_UNUSABLE[channel] ?? UMS_CODES.channelInvalid, `the ${channel} token could not be fetched: ${String((err as Error).message).slice(0, 150)}`);
    });
    return reply.send({ code: 0, message: 'success', token: t.token, expires_in: t.expiresIn });
  });

  // send policies (rule_id), managed with the AccessKey
  app.get('/v1/rules', { preHandler: accessKeyOnly }, async (_request, reply) => {
    return reply.send({ code: 0, message: 'success', data: (await ums.store.listPolicies()).map(policyToWire) });
  });
  const readPolicy = (body: unknown, partial: boolean) => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw illegal('the body must be a JSON object');
    const b = body as Record<string, unknown>;
    for (const k of Object.keys(b)) if (!['name', 'enabled', 'steps'].includes(k)) throw illegal(`unknown field ${k.slice(0, 60)}`);
    const name = readName(b, partial);
    if (b.enabled !== undefined && typeof b.enabled !== 'boolean') throw illegal('enabled must be a boolean');
    let steps;
    if (b.steps !== undefined || !partial) {
      try {
        steps = parsePolicySteps(b.steps);
      } catch (err) {
        throw illegal((err as Error).message);
      }
    }
    return { name, enabled: b.enabled as boolean | undefined, steps };
  };
  app.post('/v1/rules', { preHandler: accessKeyOnly }, async (request, reply) => {
    const p = readPolicy(request.body, false);
    const policy = { ruleId: await ums.store.nextRuleId(), name: p.name!, enabled: p.enabled ?? true, steps: p.steps!, createdAt: Date.now() };
    await ums.store.putPolicy(policy);
    return reply.send({ code: 0, message: 'success', data: policyToWire(policy) });
  });
  const ruleOf = async (request: FastifyRequest) => {
    const id = (request.params as { rule_id: string }).rule_id;
    const existing = /^[1-9][0-9]{0,9}$/.test(id) ? await ums.store.getPolicy(Number(id)) : undefined;
    if (!existing) throw umsError(UMS_CODES.policyInvalid, `send policy ${id.slice(0, 20)} does not exist`);
    return existing;
  };
  app.put('/v1/rules/:rule_id', { preHandler: accessKeyOnly }, async (request, reply) => {
    const existing = await ruleOf(request);
    const p = readPolicy(request.body, true);
    const policy = { ...existing, name: p.name ?? existing.name, enabled: p.enabled ?? existing.enabled, steps: p.steps ?? existing.steps };
    await ums.store.putPolicy(policy);
    return reply.send({ code: 0, message: 'success', data: policyToWire(policy) });
  });
  app.delete('/v1/rules/:rule_id', { preHandler: accessKeyOnly }, async (request, reply) => {
    const existing = await ruleOf(request);
    await ums.store.deletePolicy(existing.ruleId);
    return reply.send({ code: 0, message: 'success' });
  });

  // message templates for /v1/template/*, managed with the AccessKey
  app.get('/v1/templates', { preHandler: accessKeyOnly }, async (_request, reply) => {
    return reply.send({ code: 0, message: 'success', data: (await ums.store.listTemplates()).map(templateToWire) });
  });
  const readTemplate = (body: unknown, partial: boolean) => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw illegal('the body must be a JSON object');
    const b = body as Record<string, unknown>;
    for (const k of Object.keys(b)) if (!['name', 'general', 'enabled', 'content'].includes(k)) throw illegal(`unknown field ${k.slice(0, 60)}`);
    const name = readName(b, partial);
    for (const k of ['general', 'enabled'] as const) if (b[k] !== undefined && typeof b[k] !== 'boolean') throw illegal(`${k} must be a boolean`);
    let content;
    if (b.content !== undefined || !partial) {
      try {
        content = parseTemplateContent(b.content);
      } catch (err) {
        throw illegal((err as Error).message);
      }
    }
    return { name, general: b.general as boolean | undefined, enabled: b.enabled as boolean | undefined, content };
  };
  app.post('/v1/templates', { preHandler: accessKeyOnly }, async (request, reply) => {
    const t = readTemplate(request.body, false);
    const template = { templateId: await ums.store.nextTemplateId(), name: t.name!, general: t.general ?? true, enabled: t.enabled ?? true, content: t.content!, createdAt: Date.now() };
    await ums.store.putTemplate(template);
    return reply.send({ code: 0, message: 'success', data: templateToWire(template) });
  });
  const templateOf = async (request: FastifyRequest) => {
    const id = (request.params as { template_id: string }).template_id;
    const existing = /^[1-9][0-9]{0,9}$/.test(id) ? await ums.store.getTemplate(Number(id)) : undefined;
    if (!existing) throw umsError(UMS_CODES.templateNotFound, `template ${id.slice(0, 20)} does not exist`);
    return existing;
  };
  app.put('/v1/templates/:template_id', { preHandler: accessKeyOnly }, async (request, reply) => {
    const existing = await templateOf(request);
    const t = readTemplate(request.body, true);
    const template = { ...existing, name: t.name ?? existing.name, general: t.general ?? existing.general, enabled: t.enabled ?? existing.enabled, content: t.content ?? existing.content };
    await ums.store.putTemplate(template);
    return reply.send({ code: 0, message: 'success', data: templateToWire(template) });
  });
  app.delete('/v1/templates/:template_id', { preHandler: accessKeyOnly }, async (request, reply) => {
    const existing = await templateOf(request);
    await ums.store.deleteTemplate(existing.templateId);
    return reply.send({ code: 0, message: 'success' });
  });

  // materials: multipart only in this scope
  await app.register(async (scope: FastifyInstance) => {
    await scope.register(multipart, { throwFileSizeLimit: true, limits: { fileSize: ctx.config.ums.materialBytes, files: 1, fields: 10 } });
    scope.post('/v1/material', { preHandler: channelOnly }, async (request, reply) => {
      const c = channelOf(request);
      if (!request.isMultipart()) throw illegal('the material must be sent as multipart/form-data');
      const fields: Record<string, string> = {};
      let file: { filename: string; mimetype: string; data: Buffer } | undefined;
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file' || file) throw illegal('one file, in the field "file"');
          const filename = [...part.filename].filter((ch) => !hasControlChars(ch)).join('').slice(0, 255) || 'attachment';
          file = { filename, mimetype: hasControlChars(part.mimetype) ? 'application/octet-stream' : part.mimetype.slice(0, 255), data: await part.toBuffer() };
        } else fields[part.fieldname] = String(part.value).slice(0, 100);
      }
      if ((fields.type ?? 'attachment') !== 'attachment') throw illegal('type must be attachment');
      if (!file || file.data.length === 0) throw illegal('file is required');
      const ttl = fields.time_to_live === undefined ? 24 : Number(fields.time_to_live);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 168) throw illegal('time_to_live must be 1..168 hours');
      const id = randomBytes(16).toString('hex');
      await ums.store.putMaterial({ id, channelKey: c.channelKey, filename: file.filename, contentType: file.mimetype, data: file.data, expiresAt: Date.now() + ttl * 3600_000 });
      const base = `${request.protocol}://${request.host}`;
      return reply.send({ code: 0, message: 'success', url: `${base}/v1/material/${id}` });
    });
  });
};
