import type { FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
import type { ConsoleContext } from './console-context.js';

async function total(counter: Counter<string>): Promise<number> {
  const { values } = await counter.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

/**
 * A snapshot of this node's metrics for the live graphs: gauges as they are, counters as
 * running totals (the page turns successive totals into rates).
 */
export function registerMetricsRoute(app: FastifyInstance, cc: ConsoleContext): void {
  const { ctx } = cc;
  app.get('/console/api/metrics', { preHandler: cc.sessions.guard('viewer') }, async (_request, reply) => {
    return reply.send({
      at: Date.now(),
      node: ctx.node.id,
      connections: ctx.gateway.connectionCount,
      live_pushes: ctx.delivery.liveCount(),
      pushes_accepted: await total(ctx.metrics.pushesAccepted),
      requests_rejected: await total(ctx.metrics.pushesRejected),
      relay_results: await total(ctx.metrics.relayResults),
      http_requests: await total(ctx.metrics.httpRequests),
    });
  });
}
