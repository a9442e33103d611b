import type { FastifyInstance } from 'fastify';
import { APP_KEY_PATTERN } from '../../apps/credentials.js';
import type { ServerContext } from '../../context.js';
import { ApiError, errors } from '../../domain/errors.js';

/**
 * GET /v1/webpush/vapid?app_key=KEY: the app's VAPID public key, which a browser passes to
 * `pushManager.subscribe` as its applicationServerKey. Public by design (no secret needed),
 * like the app key itself; the private half never leaves the credentials store.
 */
export function registerVapidRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/v1/webpush/vapid', async (request, reply) => {
    const appKey = (request.query as Record<string, unknown>).app_key;
    if (appKey === undefined) throw errors.missing('app_key is required');
    if (typeof appKey !== 'string' || !APP_KEY_PATTERN.test(appKey)) throw errors.appKey();
    if (!(await ctx.apps.get(appKey))) throw errors.appKey('app_key does not exist');
    const creds = await ctx.credentials.get(appKey, 'webpush');
    if (!creds || typeof creds.publicKey !== 'string') throw new ApiError(1011, 'this app has no Web Push (VAPID) keys', 404);
    return reply.header('cache-control', 'max-age=60').send({ public_key: creds.publicKey });
  });
}
