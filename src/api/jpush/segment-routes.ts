import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerContext } from '../../context.js';
import {
  abTestJson,
  createAbTest,
  createSegment,
  deleteAbTest,
  deleteSegment,
  getAbTest,
  getSegment,
  segmentJson,
  updateSegment,
} from '../../audience/segment-admin.js';
import { parseAbTestBody, parseSegmentBody } from '../../domain/segment.js';
import { appOf, requireApp } from '../http/auth.js';

/**
 * Segments and A/B tests (a Borealis API in the JPush style; JPush defines both in its web
 * console only). A segment is a saved audience expression; `audience.segment` on a push names
 * one. An A/B test splits a segment into deterministic groups; `audience.abtest` names the
 * test ("ID") or one group ("ID:GROUP"). Errors use the Push API's codes.
 */
export function registerSegmentRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const auth = requireApp(ctx);
  const store = ctx.store.segments;
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

  app.post('/v3/segments', { preHandler: auth }, async (request, reply) => {
    const { name, definition } = parseSegmentBody(request.body);
    const record = await createSegment(store, appOf(request).appKey, name, definition);
    return reply.send(segmentJson(record));
  });

  app.get('/v3/segments', { preHandler: auth }, async (request, reply) => {
    const list = await store.listSegments(appOf(request).appKey);
    return reply.send({ total: list.length, segments: list.map(segmentJson) });
  });

  app.get('/v3/segments/:id', { preHandler: auth }, async (request, reply) => {
    const owner = appOf(request);
    const record = await getSegment(store, owner.appKey, idOf(request));
    const devices = await ctx.definitions.evaluate(owner.appKey, record.definition);
    // how many devices it matches right now
    return reply.send({ ...segmentJson(record), size: devices.size });
  });

  app.put('/v3/segments/:id', { preHandler: auth }, async (request, reply) => {
    const owner = appOf(request);
    const { name, definition } = parseSegmentBody(request.body);
    return reply.send(segmentJson(await updateSegment(store, owner.appKey, idOf(request), name, definition)));
  });

  app.delete('/v3/segments/:id', { preHandler: auth }, async (request, reply) => {
    await deleteSegment(store, appOf(request).appKey, idOf(request));
    return reply.status(200).send();
  });

  app.post('/v3/abtests', { preHandler: auth }, async (request, reply) => {
    const { name, definition } = parseAbTestBody(request.body);
    const record = await createAbTest(store, appOf(request).appKey, name, definition);
    return reply.send(abTestJson(record));
  });

  app.get('/v3/abtests', { preHandler: auth }, async (request, reply) => {
    const list = await store.listAbTests(appOf(request).appKey);
    return reply.send({ total: list.length, abtests: list.map(abTestJson) });
  });

  app.get('/v3/abtests/:id', { preHandler: auth }, async (request, reply) => {
    const owner = appOf(request);
    const record = await getAbTest(store, owner.appKey, idOf(request));
    const groups = await ctx.definitions.groups(record);
    const json = abTestJson(record);
    // each group with its current size
    json.groups = record.definition.groups.map((g, i) => ({ name: g.name, percent: g.percent, size: groups[i]!.size }));
    return reply.send(json);
  });

  app.delete('/v3/abtests/:id', { preHandler: auth }, async (request, reply) => {
    await deleteAbTest(store, appOf(request).appKey, idOf(request));
    return reply.status(200).send();
  });
}
