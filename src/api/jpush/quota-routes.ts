import type { FastifyInstance } from 'fastify';
import type { ChannelId } from '../../channels/types.js';
import type { ServerContext } from '../../context.js';
import type { QuotaCategoryName } from '../../relay/quota-ledger.js';
import { appOf, requireApp } from '../http/auth.js';

/** The vendors and categories `GET /v3/push/quota` reports, as the spec shapes them. */
const REPORTED: readonly { channel: string; key: string; categories: QuotaCategoryName[] }[] = [
  { channel: 'xiaomi', key: 'xiaomi_quota', categories: ['operation'] },
  { channel: 'oppo', key: 'oppo_quota', categories: ['operation'] },
  { channel: 'vivo', key: 'vivo_quota', categories: ['system', 'operation'] },
];

/** How long a vendor's quota API may take before the answer goes out with what is known. */
const QUERY_TIMEOUT_MS = 3000;

/**
 * GET /v3/push/quota: the app's vendor quotas today. `total` is the cap in force (configured or
 * told by the vendor, the lower), -1 when none is known (JPush's "unlimited"); `used` is what
 * Borealis sent through the vendor today. Vendors whose channel has a quota API are asked
 * first (with the app's credentials). It counts against the app's request rate like the Push API.
 */
export function registerQuotaRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/v3/push/quota', { preHandler: requireApp(ctx) }, async (request, reply) => {
    const { appKey } = appOf(request);
    await askVendors(ctx, appKey);
    const data: Record<string, Record<string, { total: number; used: number }>> = {};
    for (const r of REPORTED) {
      const block: Record<string, { total: number; used: number }> = {};
      for (const f of ctx.quotas.figures(appKey, r.categories.map((category) => ({ channel: r.channel, category })))) {
        block[f.category] = { total: f.limit ?? -1, used: f.used };
      }
      data[r.key] = block;
    }
    return reply.send({ code: 0, message: 'success', data });
  });
}

async function askVendors(ctx: ServerContext, appKey: string): Promise<void> {
  const configured = ctx.credentials.channelsOf(appKey);
  await Promise.all(
    REPORTED.map(async ({ channel: id }) => {
      const channel = ctx.channels.get(id as ChannelId);
      if (!channel?.queryQuota || !configured.has(id)) return;
      try {
        const creds = await ctx.credentials.get(appKey, id);
        if (!creds) return;
        const timer = new AbortController();
        const timeout = new Promise<undefined>((resolve) => {
          const t = setTimeout(() => resolve(undefined), QUERY_TIMEOUT_MS);
          timer.signal.addEventListener('abort', () => clearTimeout(t));
        });
        const readings = await Promise.race([channel.queryQuota(creds), timeout]).finally(() => timer.abort());
        for (const reading of readings ?? []) ctx.quotas.learn(appKey, id, reading, 'operation');
      } catch (err) {
        ctx.logger.warn({ err, channel: id }, 'a vendor quota query failed; answering with what is known');
      }
    }),
  );
}
