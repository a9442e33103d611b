import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { UmsChannelRecord } from '../store/ums-types.js';
import { ChannelSettingsError, formatQuietHours, setChannelEnabled, updateChannelSettings, type ChannelSettingsPatch } from '../ums/channels.js';
import { channelsWithCredentials, createChannel, rotateChannelSecret, setMessagingCredentials } from '../ums/secrets.js';
import { bodyOf, countOrNull, routeApp, text, type ConsoleContext } from './console-context.js';
import { consoleErrors } from './errors.js';

const API = '/console/api';
const CHANNEL_KEY = /^[A-Za-z0-9]{1,64}$/;
const MAX_PER_DAY = 999_999;

/**
 * UMS channels of an app (those whose `msg_app` reaches it): list, create, rotate the secret,
 * open and close, settings, and the per-channel messaging credentials. The same functions as
 * `borealis ums channel` and `borealis ums credentials`; secrets are answered once and never audited.
 */
export function registerUmsRoutes(app: FastifyInstance, cc: ConsoleContext): void {
  const { ctx } = cc;
  const ums = ctx.ums;
  const viewer = { preHandler: cc.sessions.guard('viewer') };
  const operator = { preHandler: cc.sessions.guard('operator') };
  const admin = { preHandler: cc.sessions.guard('admin') };
  const base = `${API}/apps/:app_key/ums-channels`;
  const kinds = () => [...new Set([...ums.messaging.values()].map((c) => c.id as string))];

  /** The route's channel, which must send to the route's app (9007 otherwise: one app never reaches another's channels). */
  const channelOf = async (request: FastifyRequest): Promise<UmsChannelRecord> => {
    const record = await routeApp(ctx, request);
    const { channel_key: key } = request.params as { channel_key: string };
    const c = CHANNEL_KEY.test(key) ? await ums.store.getChannel(key) : undefined;
    if (!c || c.appKey !== record.appKey) throw consoleErrors.notFound(`UMS channel ${key.slice(0, 64)}`);
    return c;
  };

  const channelJson = async (c: UmsChannelRecord) => {
    const s = await ums.store.getSettings(c.channelKey);
    return {
      channel_key: c.channelKey,
      name: c.name,
      enabled: c.enabled,
      owner_required: c.ownerRequired,
      broadcasts_per_day: c.broadcastPerDay,
      created_at: c.createdAt,
      settings: { sensitive_words: s.sensitiveWords, quiet_hours: formatQuietHours(s.quietHours), vip: s.vip },
      credentials: await channelsWithCredentials(ums.store, ums.messaging, c.channelKey),
    };
  };

  app.get(base, viewer, async (request, reply) => {
    const record = await routeApp(ctx, request);
    const mine = (await ums.store.listChannels()).filter((c) => c.appKey === record.appKey);
    return reply.send({ channels: await Promise.all(mine.map(channelJson)), messaging_kinds: kinds() });
  });

  app.post(base, admin, async (request, reply) => {
    const record = await routeApp(ctx, request);
    const body = bodyOf(request);
    const name = text(body, 'name', { max: 128 })!;
    if (body.owner_required !== undefined && typeof body.owner_required !== 'boolean') throw consoleErrors.invalid('owner_required: true or false');
    const perDay = countOrNull(body, 'broadcasts_per_day') ?? null;
    if (perDay !== null && perDay > MAX_PER_DAY) throw consoleErrors.invalid(`broadcasts_per_day: 0..${MAX_PER_DAY} or null`);
    const ownerRequired = body.owner_required === true;
    const creds = await createChannel(ums.store, ums.sealingKey, { name, appKey: record.appKey, ownerRequired, broadcastPerDay: perDay });
    await cc.audit(request, 'ums.channel.create', { appKey: record.appKey, target: creds.channelKey, detail: { name, owner_required: ownerRequired, broadcasts_per_day: perDay } });
    return reply.send({ channel_key: creds.channelKey, master_secret: creds.masterSecret });
  });

  app.post(`${base}/:channel_key/secret`, admin, async (request, reply) => {
    const c = await channelOf(request);
    const creds = (await rotateChannelSecret(ums.store, ums.sealingKey, c.channelKey))!;
    await cc.audit(request, 'ums.channel.rotate_secret', { appKey: c.appKey!, target: c.channelKey });
    return reply.send({ channel_key: creds.channelKey, master_secret: creds.masterSecret });
  });

  app.put(`${base}/:channel_key`, operator, async (request, reply) => {
    const c = await channelOf(request);
    const body = bodyOf(request);
    if (typeof body.enabled !== 'boolean') throw consoleErrors.invalid('enabled: true or false');
    const next = (await setChannelEnabled(ums.store, c.channelKey, body.enabled))!;
    await cc.audit(request, next.enabled ? 'ums.channel.enable' : 'ums.channel.disable', { appKey: c.appKey!, target: c.channelKey });
    return reply.send(await channelJson(next));
  });

  app.put(`${base}/:channel_key/settings`, operator, async (request, reply) => {
    const c = await channelOf(request);
    const body = bodyOf(request);
    for (const k of Object.keys(body)) if (!['sensitive_words', 'quiet_hours', 'vip'].includes(k)) throw consoleErrors.invalid(`unknown field ${k.slice(0, 60)}`);
    const patch: ChannelSettingsPatch = {};
    const words = body.sensitive_words;
    if (words !== undefined) {
      if (!Array.isArray(words) || !words.every((w) => typeof w === 'string' && !w.includes('\0'))) throw consoleErrors.invalid('sensitive_words: a list of strings');
      patch.sensitiveWords = words as string[];
    }
    const quiet = body.quiet_hours;
    if (quiet !== undefined) {
      if (quiet !== null && typeof quiet !== 'string') throw consoleErrors.invalid('quiet_hours: HH:MM-HH:MM[+HH:MM] or null');
      patch.quietHours = quiet;
    }
    if (body.vip !== undefined) {
      if (typeof body.vip !== 'boolean') throw consoleErrors.invalid('vip: true or false');
      patch.vip = body.vip;
    }
    let s;
    try {
      s = await updateChannelSettings(ums.store, c.channelKey, patch);
    } catch (err) {
      if (err instanceof ChannelSettingsError) throw consoleErrors.invalid(err.message);
      throw err;
    }
    await cc.audit(request, 'ums.channel.settings', {
      appKey: c.appKey!,
      target: c.channelKey,
      detail: { sensitive_words: s.sensitiveWords.length, quiet_hours: formatQuietHours(s.quietHours), vip: s.vip },
    });
    return reply.send(await channelJson(c));
  });

  const kindOf = (request: FastifyRequest): string => {
    const { kind } = request.params as { kind: string };
    if (!kinds().includes(kind)) throw consoleErrors.notFound(`messaging channel ${kind.slice(0, 64)}`);
    return kind;
  };

  app.put(`${base}/:channel_key/credentials/:kind`, admin, async (request, reply) => {
    const c = await channelOf(request);
    const kind = kindOf(request);
    const problem = await setMessagingCredentials(ums.store, ums.sealingKey, ums.messaging, c.channelKey, kind, bodyOf(request));
    if (problem) throw consoleErrors.invalid(`${kind} credentials: ${problem}`);
    // the credentials themselves never reach the audit log
    await cc.audit(request, 'ums.credentials.set', { appKey: c.appKey!, target: `${c.channelKey}/${kind}` });
    return reply.send(await channelJson(c));
  });

  app.delete(`${base}/:channel_key/credentials/:kind`, admin, async (request, reply) => {
    const c = await channelOf(request);
    const kind = kindOf(request);
    if (!(await ums.store.removeCredentials(c.channelKey, kind))) throw consoleErrors.notFound(`${kind} credentials of ${c.channelKey}`);
    await cc.audit(request, 'ums.credentials.remove', { appKey: c.appKey!, target: `${c.channelKey}/${kind}` });
    return reply.send(await channelJson(c));
  });
}
