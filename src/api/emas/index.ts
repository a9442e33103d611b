import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import type { ServerContext } from '../../context.js';
import { ApiError } from '../../domain/errors.js';
import { NonceUsedError } from '../../store/store-errors.js';
import type { NonceClaim } from '../../store/types.js';
import type { ActionHandler } from './action.js';
import { EmasAuthenticator } from './auth.js';
import { deviceActions } from './device-actions.js';
import { EmasError, emas, fromEngineError } from './errors.js';
import { emptyForm, readForm, type FormParams } from './form-params.js';
import { Params } from './params.js';
import { NONCE_RIDERS, pushActions } from './push-actions.js';
import { NonceTicket } from './nonce-ticket.js';
import { EmasPushService } from './push-service.js';
import { newRequestId, sendBody, sendError, type Format } from './respond.js';
import { ScheduledPushes } from './scheduler.js';
import { statsActions } from './stats-actions.js';

/**
 * The Alibaba Cloud EMAS Mobile Push OpenAPI (product Push, version 2016-08-01): RPC requests
 * at `/?Action=...`, GET or form POST, signed with an AccessKey (signature v1), answered in
 * JSON or XML. An encapsulated plugin with its own body parser, error table, auth and
 * not-found answers; pushes go into the same accept service as JPush's.
 */

export const EMAS_VERSION = '2016-08-01';
const MAX_PARAMS = 2000;

/** Each action's handler and the root element of its answer (`PushResponse`, ...). */
const ACTIONS = new Map<string, { handler: ActionHandler; root: string }>(
  Object.entries({ ...pushActions, ...statsActions, ...deviceActions }).map(([name, handler]) => [name, { handler, root: `${name}Response` }]),
);
/** Actions that take no AppKey (they are about the caller, not one app). */
const WITHOUT_APP_KEY = new Set(['ListSummaryApps']);

export interface EmasApiOptions {
  ctx: ServerContext;
  /** Set for the plugin inside the EMAS-only server, so it does not start another one. */
  standalone?: boolean;
}

/** One set of services per node, shared by the HTTP port and the EMAS-only port. */
interface Shared {
  auth: EmasAuthenticator;
  scheduler: ScheduledPushes;
  pushes: EmasPushService;
  users: number;
}
const shared = new WeakMap<ServerContext, Shared>();

function servicesOf(ctx: ServerContext): Shared {
  let s = shared.get(ctx);
  if (!s) {
    const scheduler = new ScheduledPushes(ctx);
    s = { auth: new EmasAuthenticator(ctx), scheduler, pushes: new EmasPushService(ctx, scheduler), users: 0 };
    shared.set(ctx, s);
  }
  return s;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The answer format an EMAS request asked for, once its parameters were read (null before). */
    emasFormat: Format | null;
  }
}

function formatOf(request: FastifyRequest): Format {
  // a request the EMAS plugin did not route (the EMAS-only port's not-found answer) has no field
  const known = request.emasFormat;
  if (known) return known;
  // before the parameters were read (a body too large, say): the query may still tell
  const q = request.url.indexOf('?');
  const f = q < 0 ? null : new URLSearchParams(request.url.slice(q + 1)).get('Format');
  return f?.toUpperCase() === 'JSON' ? 'JSON' : 'XML';
}

/** Query and form body merged; a name given twice is refused (its signature would be ambiguous). */
function collectParams(request: FastifyRequest): FormParams {
  const form = emptyForm();
  const q = request.url.indexOf('?');
  if (q >= 0) readForm(request.url.slice(q + 1), form, MAX_PARAMS);
  if (typeof request.body === 'string' && request.body.length > 0) readForm(request.body, form, MAX_PARAMS);
  return form;
}

function toEmasError(err: unknown, bodyLimit: number): EmasError | undefined {
  if (err instanceof EmasError) return err;
  if (err instanceof NonceUsedError) return emas.nonceUsed();
  if (err instanceof ApiError) return fromEngineError(err);
  const fe = err as FastifyError;
  if (fe?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return emas.bodyTooLarge(bodyLimit);
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) return emas.parameter(String(fe.message).slice(0, 200));
  return undefined;
}

export const emasApi: FastifyPluginAsync<EmasApiOptions> = async (app, { ctx, standalone }) => {
  const services = servicesOf(ctx);
  const bodyLimit = ctx.config.limits.bodyBytes;

  // RPC bodies are form-encoded whatever the Content-Type says; read them as text.
  // a field of every request of this plugin from the start (one shape), not added to each afterwards
  app.decorateRequest('emasFormat', null);
  app.removeAllContentTypeParsers();
  const asText = (_request: FastifyRequest, body: string | Buffer, done: (err: null, body: string | Buffer) => void) => done(null, body);
  app.addContentTypeParser('*', { parseAs: 'string' }, asText);
  // named as well: Fastify remembers the parser of a named type, while it looks up '*' afresh per request
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, asText);

  app.setErrorHandler((err, request, reply) => {
    let e = toEmasError(err, bodyLimit);
    if (!e) {
      request.log.error({ err }, 'EMAS request failed');
      e = emas.internal();
    }
    ctx.metrics.pushesRejected.inc({ code: e.code });
    return sendError(request, reply, formatOf(request), e);
  });

  const useNonce = (c: NonceClaim) => services.auth.useNonce(c);
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const form = collectParams(request);
    const params = form.values;
    const given = params.get('Format') ?? 'XML';
    const format = given === 'JSON' || given === 'XML' ? given : given.toUpperCase();
    request.emasFormat = format === 'JSON' ? 'JSON' : 'XML';
    if (format !== 'JSON' && format !== 'XML') throw emas.format('Format', 'Valid values: JSON, XML.');
    const action = params.get('Action');
    if (!action) throw emas.missing('Action');
    const known = ACTIONS.get(action);
    if (!known) throw emas.apiNotFound();
    const version = params.get('Version');
    if (!version) throw emas.missing('Version');
    if (version !== EMAS_VERSION) throw emas.version();

    const authenticated = services.auth.authenticate(request.method, params, form);
    // awaited only when it is a promise (a key or app not cached): an await costs a turn of the microtask queue
    const caller = authenticated instanceof Promise ? await authenticated : authenticated;
    const nonce = new NonceTicket(caller.nonce, useNonce, NONCE_RIDERS.has(action) && services.auth.noncesRide);
    if (!nonce.canRide) await nonce.use();
    let result: Record<string, unknown>;
    try {
      services.auth.admit(caller);
      const p = new Params(params);
      if (!WITHOUT_APP_KEY.has(action)) {
        const appKey = p.int('AppKey', { required: true, min: 0 });
        if (appKey !== caller.emasAppKey) throw emas.permission();
      }
      result = await known.handler({ ctx, caller, p, pushes: services.pushes, nonce });
    } catch (err) {
      nonce.afterFailure(err);
      throw err;
    }
    // an action that neither carried its nonce nor used it up (none should): used up now
    if (nonce.open) await nonce.use();
    return sendBody(reply, request.emasFormat, known.root, Object.assign({ RequestId: newRequestId() }, result));
  };
  app.route({ method: ['GET', 'POST'], url: '/', handler: handle });
  app.route({
    // OPTIONS is left to the server's CORS preflight route
    method: ['PUT', 'PATCH', 'DELETE'],
    url: '/',
    handler: async () => {
      throw emas.httpMethod();
    },
  });

  let own: FastifyInstance | undefined;
  app.addHook('onReady', async () => {
    if (services.users++ === 0) services.scheduler.start();
    if (!standalone && ctx.config.emas.port >= 0) own = await startOwnPort(ctx);
  });
  app.addHook('onClose', async () => {
    await own?.close();
    if (--services.users === 0) await services.scheduler.stop();
  });
};

/** The EMAS OpenAPI alone on `emas.port`: every other path answers InvalidApi.NotFound. */
async function startOwnPort(ctx: ServerContext): Promise<FastifyInstance> {
  const { config } = ctx;
  const common = {
    loggerInstance: ctx.logger,
    bodyLimit: config.limits.bodyBytes,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    frameworkErrors: ((_error: Error, request: FastifyRequest, reply: FastifyReply) => {
      sendError(request, reply, 'XML', emas.parameter('the URL cannot be decoded'));
    }) as never,
  };
  const server = (config.tls
    ? Fastify({ ...common, https: { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } })
    : Fastify(common)) as unknown as FastifyInstance;
  server.setNotFoundHandler((request, reply) => sendError(request, reply, formatOf(request), emas.apiNotFound()));
  await server.register(emasApi, { ctx, standalone: true });
  await server.listen({ host: config.host, port: config.emas.port, backlog: config.listenBacklog });
  const address = server.server.address();
  if (typeof address === 'object' && address) {
    ownPorts.set(ctx, address.port);
    ctx.logger.info({ port: address.port }, 'EMAS OpenAPI listening on its own port');
  }
  return server;
}

/** The EMAS-only port of a running node, when it has one (useful when configured as 0). */
export function emasPortOf(ctx: ServerContext): number | undefined {
  return ownPorts.get(ctx);
}
const ownPorts = new WeakMap<ServerContext, number>();
