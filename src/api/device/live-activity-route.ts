import type { FastifyInstance } from 'fastify';
import { errors } from '../../domain/errors.js';
import type { ServerContext } from '../../context.js';

/** Activities one device may hold update tokens for at once (iOS runs a handful per app). */
export const MAX_ACTIVITIES_PER_DEVICE = 64;
const ACTIVITY_ID = /^[\x21-\x7e]{1,128}$/;
const APNS_TOKEN = /^[0-9a-fA-F]{32,400}$/;

/**
 * POST /v1/devices/live-activity: an iOS device registers the APNs update token of one of its
 * running Live Activities under the activity's `live_activity_id`, or removes it
 * (`"token": null`). Pushes with `audience.live_activity_id` go to these tokens.
 * Authenticated like a registration update: registration_id and device_secret.
 */
export function registerLiveActivityRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/v1/devices/live-activity', async (request, reply) => {
    const body = request.body as Record<string, unknown> | null | undefined;
    if (body === undefined) throw errors.missing('request body is empty');
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.invalid('body must be a JSON object');
    const { registration_id: rid, device_secret: secret, live_activity_id: activityId, token } = body;
    if (rid === undefined || secret === undefined) throw errors.missing('registration_id and device_secret are required');
    if (activityId === undefined) throw errors.missing('live_activity_id is required');
    if (token === undefined) throw errors.missing('token is required (null removes it)');
    if (typeof rid !== 'string' || typeof secret !== 'string') throw errors.invalid('registration_id and device_secret must be strings');
    if (typeof activityId !== 'string' || !ACTIVITY_ID.test(activityId)) {
      throw errors.invalid('live_activity_id must be 1..128 printable ASCII characters without spaces');
    }
    if (token !== null && (typeof token !== 'string' || !APNS_TOKEN.test(token))) {
      throw errors.invalid('token must be a hexadecimal APNs token, or null to remove it');
    }
    const device = await ctx.registry.authenticate(rid, secret);
    if (!device) throw errors.auth('registration_id and device_secret do not match');
    if (device.platform !== 'ios') throw errors.invalid('only iOS devices hold Live Activity tokens');
    const store = ctx.store.liveActivities;
    if (token === null) {
      const removed = await store.remove(device.appKey, activityId, device.num);
      return reply.send({ live_activity_id: activityId, removed });
    }
    // Replacing a token the device already holds does not count against its allowance.
    const held = await store.tokens(device.appKey, activityId, [device.num]);
    if (!held.has(device.num) && (await store.countOf(device.appKey, device.num)) >= MAX_ACTIVITIES_PER_DEVICE) {
      throw errors.deviceInvalid(`a device may hold at most ${MAX_ACTIVITIES_PER_DEVICE} Live Activity tokens; remove ended ones first`);
    }
    await store.put(device.appKey, activityId, device.num, token, Date.now());
    return reply.send({ live_activity_id: activityId, registered: true });
  });
}
