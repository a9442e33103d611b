import type { FastifyInstance } from 'fastify';
import { errors } from '../../domain/errors.js';
import type { ServerContext } from '../../context.js';
import { APP_KEY_PATTERN } from '../../apps/credentials.js';
import { addressKey } from '../http/client-address.js';

/**
 * POST /v1/devices/register: the device side of registration (see docs/protocol.md). Devices
 * know only their app's appKey, as with JPush's SDKs; a registration rate per app keeps a
 * leaked appKey from filling the registry, and one per source address keeps a single client
 * from using up an app's allowance.
 */
export function registerDeviceRegistrationRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/v1/devices/register', async (request, reply) => {
    const body = request.body as Record<string, unknown> | null | undefined;
    if (body === undefined) throw errors.missing('request body is empty');
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.invalid('body must be a JSON object');
    const appKey = body.app_key;
    if (appKey === undefined) throw errors.missing('app_key is required');
    if (typeof appKey !== 'string' || !APP_KEY_PATTERN.test(appKey)) throw errors.appKey();
    if (body.platform === undefined) throw errors.missing('platform is required');
    const owner = await ctx.apps.get(appKey);
    if (!owner) throw errors.appKey('app_key does not exist');

    const { registration_id: rid, device_secret: secret } = body;
    const updating = rid !== undefined || secret !== undefined;
    if (updating && (typeof rid !== 'string' || typeof secret !== 'string')) {
      throw errors.invalid('registration_id and device_secret go together, as strings');
    }
    if (!updating) {
      const limits = ctx.config.limits;
      const address = addressKey(request.ip);
      const fromAddress = ctx.rateLimiter.hit(`register-from:${address}`, limits.registrationsPerAddress, limits.windowSeconds);
      if (!fromAddress.allowed) throw errors.rateLimited('Device registrations from this address exceed the limit');
      const decision = ctx.rateLimiter.hit(`register:${appKey}`, limits.registrationsPerWindow, limits.windowSeconds);
      if (!decision.allowed) throw errors.rateLimited('Device registrations exceed the limit of this app');
    }
    const creds = await ctx.registry.register(
      appKey,
      { platform: body.platform, tokens: body.tokens },
      updating ? { registrationId: rid as string, deviceSecret: secret as string } : undefined,
    );
    return reply.send({ registration_id: creds.registrationId, device_secret: creds.deviceSecret });
  });
}

