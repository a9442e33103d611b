import type { JsonSchema, Operation } from './openapi-types.js';

/** OpenAPI descriptions of the segment, A/B test and users report routes (see openapi-operations.ts). */

const str = { type: 'string' };
const tags = { type: 'array', items: str, maxItems: 20 };
const obj = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  type: 'object',
  properties,
  ...(required.length > 0 && { required }),
});
const ok = (description: string, schema?: JsonSchema) => ({ '200': schema ? { description, schema } : { description } });

const segmentBody = obj(
  {
    name: str,
    tag: tags,
    tag_and: tags,
    tag_not: tags,
    platform: { oneOf: [{ const: 'all' }, { type: 'array', items: { type: 'string', enum: ['android', 'ios', 'hmos', 'quickapp'] } }] },
    active_days: { type: 'integer', minimum: 1, maximum: 365 },
  },
  ['name'],
);
const segment = obj({ segment_id: str, name: str, created_at: str, updated_at: str });
const abtest = obj({ abtest_id: str, name: str, segment_id: str, groups: { type: 'array', items: obj({ name: str, percent: { type: 'integer' } }) } });

export const PACING_OPERATIONS: Operation[] = [
  { method: 'POST', url: '/v3/segments', tag: 'Segments', summary: 'Save a segment: an audience over tags, platform and activity', auth: true, body: segmentBody, responses: ok('the segment', segment) },
  { method: 'GET', url: '/v3/segments', tag: 'Segments', summary: 'The segments of the app', auth: true, responses: ok('the segments', obj({ total: { type: 'integer' }, segments: { type: 'array', items: segment } })) },
  { method: 'GET', url: '/v3/segments/:id', tag: 'Segments', summary: 'One segment, with the devices it matches now (size)', auth: true, responses: ok('the segment', segment) },
  { method: 'PUT', url: '/v3/segments/:id', tag: 'Segments', summary: 'Replace a segment', auth: true, body: segmentBody, responses: ok('the segment', segment) },
  { method: 'DELETE', url: '/v3/segments/:id', tag: 'Segments', summary: 'Delete a segment no A/B test splits', auth: true, responses: ok('deleted') },
  {
    method: 'POST',
    url: '/v3/abtests',
    tag: 'Segments',
    summary: 'Split a segment (or the app) into fixed groups',
    auth: true,
    body: obj({ name: str, segment_id: str, groups: { type: 'array', minItems: 2, maxItems: 10, items: obj({ name: str, percent: { type: 'integer', minimum: 1, maximum: 100 } }, ['name', 'percent']) } }, ['name', 'groups']),
    responses: ok('the A/B test', abtest),
  },
  { method: 'GET', url: '/v3/abtests', tag: 'Segments', summary: 'The A/B tests of the app', auth: true, responses: ok('the A/B tests', obj({ total: { type: 'integer' }, abtests: { type: 'array', items: abtest } })) },
  { method: 'GET', url: '/v3/abtests/:id', tag: 'Segments', summary: 'One A/B test, with each group\'s current size', auth: true, responses: ok('the A/B test', abtest) },
  { method: 'DELETE', url: '/v3/abtests/:id', tag: 'Segments', summary: 'Delete an A/B test', auth: true, responses: ok('deleted') },
  {
    method: 'GET',
    url: '/v3/users',
    tag: 'Report',
    summary: 'New and online devices per hour, day or month, per platform',
    auth: true,
    query: [
      { name: 'time_unit', description: 'HOUR, DAY or MONTH', required: true, schema: { type: 'string', enum: ['HOUR', 'DAY', 'MONTH'] } },
      { name: 'start', description: 'yyyy-mm-dd hh, yyyy-mm-dd or yyyy-mm (UTC)', required: true, schema: str },
      { name: 'duration', description: 'periods: HOUR 1..24, DAY 1..60, MONTH 1..2', required: true, schema: { type: 'integer', minimum: 1 } },
    ],
    responses: ok('one item per period', obj({ time_unit: str, start: str, duration: { type: 'integer' }, items: { type: 'array', items: { type: 'object' } } })),
  },
];
