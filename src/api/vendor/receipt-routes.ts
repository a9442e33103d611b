import type { FastifyInstance } from 'fastify';
import { APP_KEY_PATTERN } from '../../apps/credentials.js';
import type { ServerContext } from '../../context.js';
import { ApiError } from '../../domain/errors.js';

/** Channel ids as they appear in the path. */
const CHANNEL_PATTERN = /^[a-z][a-z0-9_]{1,31}$/;

/**
 * POST /v1/vendors/{channel}/receipts/{appKey}: the receipt URL an app configures in each
 * vendor's console. The body is read raw, whatever its type (vendors send JSON or forms and
 * sign the bytes), and handed to the channel, which authenticates it as its vendor documents
 * and says what to answer. An unknown channel, an unknown app and an app without credentials
 * for the channel are one and the same 404, so the URL reveals nothing about apps.
 */
export function registerVendorReceiptRoutes(app: FastifyInstance, ctx: ServerContext): void {
  void app.register(async (vendorApi) => {
    vendorApi.removeAllContentTypeParsers();
    vendorApi.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    vendorApi.post('/v1/vendors/:channel/receipts/:app_key', async (request, reply) => {
      const { channel, app_key: appKey } = request.params as { channel: string; app_key: string };
      const notFound = () => new ApiError(1011, 'no receipt endpoint for this channel and app', 404);
      if (!CHANNEL_PATTERN.test(channel) || !APP_KEY_PATTERN.test(appKey)) throw notFound();
      if (!(await ctx.apps.get(appKey))) throw notFound();
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      const query: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries((request.query ?? {}) as Record<string, unknown>)) query[k] = typeof v === 'string' ? v : Array.isArray(v) ? String(v[0]) : undefined;
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const answer = await ctx.vendorReceipts.handle(channel, { appKey, headers, query, rawBody });
      if ('notFound' in answer) throw notFound();
      reply.code(answer.status);
      return typeof answer.body === 'string' ? reply.type('text/plain; charset=utf-8').send(answer.body) : reply.send(answer.body);
    });
  });
}
