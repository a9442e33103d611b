import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createAccessKey, disableAccessKey, listAccessKeys } from '../apps/access-keys.js';
import { createApp, rotateSecret } from '../apps/app-directory.js';
import { CREDENTIAL_CHANNELS, CredentialError } from '../channels/credential-shapes.js';
import { ALL_RECEIPT_TYPES, normalizeCallbackUrl } from '../receipts/callbacks.js';
import type { AppRecord } from '../store/types.js';
import { bodyOf, countOrNull, routeApp, text, type ConsoleContext } from './console-context.js';
import { consoleErrors } from './errors.js';
import { appAllowed } from './operators.js';
import { userOf } from './session.js';

const API = '/console/api';

export function appJson(a: AppRecord, extra: Record<string, unknown> = {}) {
  return {
    app_key: a.appKey,
    name: a.name,
    created_at: a.createdAt,
    limits: { rate_limit: a.rateLimit, rate_window: a.rateWindow, broadcasts_per_day: a.broadcastPerDay },
    ...extra,
  };
}

/** Apps: create, rotate the secret, limits, callback URLs, vendor credentials, EMAS AccessKeys. */
export function registerAppRoutes(app: FastifyInstance, cc: ConsoleContext): void {
  const { ctx } = cc;
  const { store } = ctx;
  const viewer = { preHandler: cc.sessions.guard('viewer') };
  const admin = { preHandler: cc.sessions.guard('admin') };
  const appKeyOf = (request: FastifyRequest) => (request.params as { app_key: string }).app_key;

  const appOf = (request: FastifyRequest) => routeApp(ctx, request);

  app.get(`${API}/apps`, viewer, async (request, reply) => {
    const me = userOf(request).operator;
    const apps = (await store.apps.list()).filter((a) => appAllowed(me, a.appKey));
    return reply.send({ apps: apps.map((a) => appJson(a, { devices: ctx.index.deviceCount(a.appKey), channels: [...ctx.credentials.channelsOf(a.appKey)] })) });
  });

  app.post(`${API}/apps`, admin, async (request, reply) => {
    const name = text(bodyOf(request), 'name', { max: 100 })!;
    const creds = await createApp(store, name);
    await cc.audit(request, 'app.create', { appKey: creds.appKey, detail: { name } });
    return reply.send({ app_key: creds.appKey, master_secret: creds.masterSecret });
  });

  app.get(`${API}/apps/:app_key`, viewer, async (request, reply) => {
    const record = await appOf(request);
    const channels: Record<string, unknown> = {};
    for (const c of ctx.credentials.channelsOf(record.appKey)) {
      const shown = await ctx.credentials.show(record.appKey, c);
      if (shown) channels[c] = { updated_at: shown.updatedAt, fields: shown.fields };
    }
    const keys = await listAccessKeys(store, record.appKey);
    const callbacks = await store.callbacks.listUrls(record.appKey);
    // UMS channels whose msg_app reaches this app (null where the store keeps no UMS data)
    const ums = await store.ums.listChannels().then(
      (all) => all.filter((c) => c.appKey === record.appKey).map((c) => ({ channel_key: c.channelKey, name: c.name, enabled: c.enabled, created_at: c.createdAt })),
      () => null,
    );
    return reply.send(
      appJson(record, {
        devices: ctx.index.deviceCount(record.appKey),
        channels,
        channel_kinds: CREDENTIAL_CHANNELS,
        callbacks: callbacks.map((c) => ({ url: c.url, default: c.isDefault, types: c.types, created_at: c.createdAt })),
        ums_channels: ums,
        emas: { app_key: keys.emasAppKey ?? null, access_keys: keys.keys.map((k) => ({ id: k.accessKeyId, created_at: k.createdAt, disabled: k.disabledAt !== null })) },
      }),
    );
  });

  app.post(`${API}/apps/:app_key/secret`, admin, async (request, reply) => {
    await appOf(request);
    const creds = (await rotateSecret(store, appKeyOf(request)))!;
    ctx.apps.invalidate(creds.appKey);
    await cc.audit(request, 'app.rotate_secret', { appKey: creds.appKey });
    return reply.send({ app_key: creds.appKey, master_secret: creds.masterSecret });
  });

  app.put(`${API}/apps/:app_key/limits`, admin, async (request, reply) => {
    const body = bodyOf(request);
    const patch = { rateLimit: countOrNull(body, 'rate_limit'), rateWindow: countOrNull(body, 'rate_window'), broadcastPerDay: countOrNull(body, 'broadcasts_per_day') };
    if (!(await store.apps.updateLimits(appKeyOf(request), patch))) throw consoleErrors.notFound(`app ${appKeyOf(request)}`);
    ctx.apps.invalidate(appKeyOf(request));
    await cc.audit(request, 'app.limits', { appKey: appKeyOf(request), detail: body });
    return reply.send(appJson(await appOf(request)));
  });

  app.post(`${API}/apps/:app_key/callbacks`, admin, async (request, reply) => {
    await appOf(request);
    const body = bodyOf(request);
    const url = normalizeCallbackUrl(text(body, 'url', { max: 2000 })!);
    if (!url) throw consoleErrors.invalid('url: an http or https URL');
    const types = body.types === undefined ? ALL_RECEIPT_TYPES : body.types;
    if (typeof types !== 'number' || !Number.isInteger(types) || types < 1 || types > ALL_RECEIPT_TYPES) throw consoleErrors.invalid(`types: 1..${ALL_RECEIPT_TYPES}`);
    const saved = await store.callbacks.addUrl(appKeyOf(request), url, { isDefault: body.default === true, types }, Date.now());
    await cc.audit(request, 'app.callback.add', { appKey: appKeyOf(request), target: saved.url, detail: { default: saved.isDefault, types } });
    return reply.send({ url: saved.url, default: saved.isDefault, types: saved.types });
  });

  app.delete(`${API}/apps/:app_key/callbacks`, admin, async (request, reply) => {
    const url = (request.query as Record<string, unknown>).url;
    if (typeof url !== 'string') throw consoleErrors.invalid('url: the callback URL to remove');
    if (!(await store.callbacks.removeUrl(appKeyOf(request), normalizeCallbackUrl(url) ?? url))) throw consoleErrors.notFound(`callback URL ${url.slice(0, 200)}`);
    await cc.audit(request, 'app.callback.remove', { appKey: appKeyOf(request), target: url });
    return reply.send({});
  });

  app.put(`${API}/apps/:app_key/channels/:channel`, admin, async (request, reply) => {
    await appOf(request);
    const { channel } = request.params as { channel: string };
    if (!(CREDENTIAL_CHANNELS as readonly string[]).includes(channel)) throw consoleErrors.notFound(`channel ${channel}`);
    try {
      await ctx.credentials.set(appKeyOf(request), channel, bodyOf(request));
    } catch (err) {
      if (err instanceof CredentialError) throw consoleErrors.invalid(err.message);
      throw err;
    }
    // the credentials themselves never reach the audit log
    await cc.audit(request, 'app.channel.set', { appKey: appKeyOf(request), target: channel });
    return reply.send((await ctx.credentials.show(appKeyOf(request), channel)) ?? {});
  });

  app.delete(`${API}/apps/:app_key/channels/:channel`, admin, async (request, reply) => {
    const { channel } = request.params as { channel: string };
    if (!(await ctx.credentials.remove(appKeyOf(request), channel))) throw consoleErrors.notFound(`channel ${channel}`);
    await cc.audit(request, 'app.channel.remove', { appKey: appKeyOf(request), target: channel });
    return reply.send({});
  });

  app.post(`${API}/apps/:app_key/accesskeys`, admin, async (request, reply) => {
    const issued = await createAccessKey(store, ctx.credentials, appKeyOf(request));
    if (!issued) throw consoleErrors.notFound(`app ${appKeyOf(request)}`);
    await cc.audit(request, 'app.accesskey.create', { appKey: issued.appKey, target: issued.accessKeyId });
    return reply.send({ access_key_id: issued.accessKeyId, access_key_secret: issued.accessKeySecret, emas_app_key: issued.emasAppKey });
  });

  app.delete(`${API}/apps/:app_key/accesskeys/:id`, admin, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!(await disableAccessKey(store, appKeyOf(request), id))) throw consoleErrors.notFound(`AccessKey ${id.slice(0, 64)}`);
    await cc.audit(request, 'app.accesskey.disable', { appKey: appKeyOf(request), target: id });
    return reply.send({});
  });
}
