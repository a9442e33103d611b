import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../../context.js';
import { authenticateGroup, GROUP_USER_PREFIX } from '../../groups/group-auth.js';
import { groupPush } from '../../groups/group-push.js';
import { takeAllowance } from './api-allowance.js';

/** JPush group push: POST /v3/grouppush and /v3/grouppush/file with group-{GroupKey} credentials. */
export function registerGroupPushRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/v3/grouppush', async (request, reply) => {
    const group = await authenticateGroup(ctx, request, reply);
    return reply.send(await groupPush(ctx, group, request.body, false));
  });
  app.post('/v3/grouppush/file', async (request, reply) => {
    const group = await authenticateGroup(ctx, request, reply);
    takeAllowance(ctx, 'files', `${GROUP_USER_PREFIX}${group.groupKey}`);
    return reply.send(await groupPush(ctx, group, request.body, true));
  });
}
