import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import type { ServerContext } from '../../context.js';
import { registerDeviceRegistrationRoute } from '../device/register-route.js';
import { registerVapidRoute } from '../device/vapid-route.js';
import { registerLiveActivityRoute } from '../device/live-activity-route.js';
import { emasApi } from '../emas/index.js';
import { umsApi } from '../ums/index.js';
import { registerDeviceRoutes } from '../jpush/device-routes.js';
import { registerPushRoutes } from '../jpush/push-routes.js';
import { registerReportRoutes } from '../jpush/report-routes.js';
import { registerSegmentRoutes } from '../jpush/segment-routes.js';
import { registerUsersRoute } from '../jpush/users-routes.js';
import { registerOpenApi } from '../openapi.js';
import { registerBatchRoutes } from '../jpush/batch-routes.js';
import { registerFileRoutes } from '../jpush/file-routes.js';
import { registerGroupPushRoutes } from '../jpush/grouppush-routes.js';
import { registerScheduleRoutes } from '../jpush/schedule-routes.js';
import { registerQuotaRoutes } from '../jpush/quota-routes.js';
import { registerVendorReceiptRoutes } from '../vendor/receipt-routes.js';
import { installBodyHandling } from './body.js';
import { deviceCors } from './device-cors.js';
import { clientErrorHandler, installErrorHandling } from './errors.js';
import { recordRoutes } from './route-list.js';

/**
 * The HTTP surface of one node: plain HTTP/1.1 by default, HTTPS with HTTP/2 (and HTTP/1.1
 * via ALPN) as soon as `tls` is configured. Every API family registers its routes here.
 */
export function buildHttpServer(ctx: ServerContext): FastifyInstance {
  const { config } = ctx;
  const timeouts = config.http;
  // Node checks the header and request deadlines on this interval (30 s by default).
  const checkEvery = Math.min(1000, timeouts.headersTimeoutMs);
  const common = {
    loggerInstance: ctx.logger,
    bodyLimit: config.limits.bodyBytes,
    // One log line per request would dominate the logs at push rates; metrics count requests.
    logController: new LogController({ disableRequestLogging: true }),
    // Answered by errors.ts in the JPush error body instead of Fastify's own.
    return503OnClosing: false,
    clientErrorHandler,
    routerOptions: { ignoreTrailingSlash: true },
    // A client that trickles its headers or body, or goes silent, does not hold a connection.
    requestTimeout: timeouts.requestTimeoutMs,
    connectionTimeout: timeouts.idleTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    http2SessionTimeout: timeouts.idleTimeoutMs,
    // A URL that cannot be decoded never reaches a route; answer it in the JPush error shape too.
    frameworkErrors: ((error: Error, _request: unknown, reply: FastifyReply) => {
      reply.code(400).send({ error: { code: 1003, message: `Illegal URL: ${error.message}` } });
    }) as never,
  };
  const app: FastifyInstance = (config.tls
    ? Fastify({
        ...common,
        http2: true,
        https: { allowHTTP1: true, cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) },
      })
    : Fastify(common)) as unknown as FastifyInstance;

  // Plain HTTP, and HTTP/1.1 over TLS (the HTTP/2 server tracks those connections the same
  // way). Set before listening, when Node starts its periodic check.
  const server = app.server as { headersTimeout?: number; requestTimeout?: number; connectionsCheckingInterval?: number };
  if ('headersTimeout' in server) {
    server.headersTimeout = timeouts.headersTimeoutMs;
    server.requestTimeout = timeouts.requestTimeoutMs;
    server.connectionsCheckingInterval = checkEvery;
  }
  recordRoutes(app);

  app.decorateRequest('appRecord', null);
  installErrorHandling(app, ctx);
  installBodyHandling(app);
  installMetricsHooks(app, ctx);
  registerOpenApi(app); // before the routes it documents

  app.get('/healthz', async (_request, reply) => {
    await ctx.store.ping();
    return reply.send({ status: 'ok' });
  });
  app.get('/readyz', async (_request, reply) => {
    const reason = await ctx.node.notReady();
    const who = { node: ctx.node.id, role: ctx.node.role };
    if (reason !== undefined) return reply.code(503).send({ status: 'unavailable', ...who, reason });
    return reply.send({ status: 'ready', ...who });
  });
  app.get('/metrics', async (_request, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });

  registerPushRoutes(app, ctx);
  registerDeviceRoutes(app, ctx);
  registerReportRoutes(app, ctx);
  registerSegmentRoutes(app, ctx);
  registerUsersRoute(app, ctx);
  registerScheduleRoutes(app, ctx);
  registerFileRoutes(app, ctx);
  registerGroupPushRoutes(app, ctx);
  registerBatchRoutes(app, ctx);
  registerQuotaRoutes(app, ctx);
  registerVendorReceiptRoutes(app, ctx);
  // device-facing routes (/v1/...) share one encapsulated context, the only one with CORS
  void app.register(async (deviceApi) => {
    await deviceCors(deviceApi, { origins: config.cors.origins });
    registerDeviceRegistrationRoute(deviceApi, ctx);
    registerVapidRoute(deviceApi, ctx);
    registerLiveActivityRoute(deviceApi, ctx);
  });
  void app.register(emasApi, { ctx });
  void app.register(umsApi, { ctx });
  return app;
}

function installMetricsHooks(app: FastifyInstance, ctx: ServerContext): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    ctx.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    ctx.metrics.httpDuration.observe({ route }, reply.elapsedTime / 1000);
  });
}

