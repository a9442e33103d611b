import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../../context.js';
import { errors } from '../../domain/errors.js';
import { receiveUpload } from '../../files/file-upload.js';
import { authenticateCaller } from '../../groups/group-auth.js';
import { formatLocalDateTime } from '../../schedules/trigger.js';
import type { FileRecord } from '../../store/advanced-types.js';
import { appOf, requireApp } from '../http/auth.js';
import { takeAllowance } from './api-allowance.js';
import { parseJPushPush } from './validate-push.js';

/**
 * JPush File API v3: upload a file of registration ids or aliases, list, get, delete. Apps
 * and groups (group-{GroupKey} credentials, for /v3/grouppush/file) each hold their own files.
 */
export function registerFileRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const wire = (f: FileRecord) => {
    const zone = ctx.config.schedules.utcOffsetMinutes;
    return {
      type: f.type,
      file_id: f.fileId,
      file_name: f.fileName,
      create_time: formatLocalDateTime(f.createdAt, zone),
      expire_time: formatLocalDateTime(f.expiresAt, zone),
    };
  };

  // multipart only here: every other route keeps reading bodies as JSON
  void app.register(async (scope) => {
    await scope.register(multipart, { throwFileSizeLimit: true });
    scope.post('/v3/files/:type', async (request, reply) => {
      const caller = await authenticateCaller(ctx, request, reply);
      takeAllowance(ctx, 'files', caller.ownerKey);
      const type = (request.params as { type: string }).type;
      if (type !== 'registration_id' && type !== 'alias') throw errors.invalid('files are of type registration_id or alias');
      const file = await receiveUpload(request, ctx.store, caller.ownerKey, type, ctx.config.files);
      return reply.send({ file_id: file.fileId });
    });
  });

  // File push: a /v3/push whose audience is a file, and only a file.
  app.post('/v3/push/file', { preHandler: requireApp(ctx) }, async (request, reply) => {
    const owner = appOf(request);
    takeAllowance(ctx, 'files', owner.appKey);
    const push = parseJPushPush(request.body, owner.appKey);
    if (push.audience.fileId === undefined) throw errors.invalid('audience must be {"file":{"file_id":...}} for a file push');
    const result = await ctx.accept.accept(owner, push);
    if (!result.replayed) ctx.metrics.pushesAccepted.inc({ source: 'jpush' });
    return reply.send({ sendno: result.sendno, msg_id: result.msgId });
  });

  app.get('/v3/files', async (request, reply) => {
    const caller = await authenticateCaller(ctx, request, reply);
    takeAllowance(ctx, 'files', caller.ownerKey);
    const files = await ctx.store.files.list(caller.ownerKey, Date.now());
    return reply.send({ total_count: files.length, files: files.map(wire) });
  });

  app.get('/v3/files/:id', async (request, reply) => {
    const caller = await authenticateCaller(ctx, request, reply);
    takeAllowance(ctx, 'files', caller.ownerKey);
    const { id } = request.params as { id: string };
    const file = await ctx.store.files.get(caller.ownerKey, id, Date.now());
    if (!file) return reply.status(404).send({ error: { code: 1003, message: 'file_id does not exist' } });
    return reply.send(wire(file));
  });

  app.delete('/v3/files/:id', async (request, reply) => {
    const caller = await authenticateCaller(ctx, request, reply);
    takeAllowance(ctx, 'files', caller.ownerKey);
    const { id } = request.params as { id: string };
    // "unknown id treated as success"; another owner's file is unknown to this caller
    const file = await ctx.store.files.get(caller.ownerKey, id, Date.now());
    if (file) await ctx.store.files.discard(file.fileId);
    return reply.status(200).send();
  });
}
