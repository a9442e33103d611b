import type { FastifyInstance, FastifySchema } from 'fastify';
import { PUSH_SCHEMA } from './jpush/push-schema.js';
import { OPERATIONS, type JsonSchema, type Operation } from './openapi-operations.js';
import { renderOpenApiPage } from './openapi-page.js';

interface SeenRoute {
  method: string;
  url: string;
  schema: FastifySchema | undefined;
}

type Document = Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

const DOCUMENTED = new Map(OPERATIONS.map((op) => [`${op.method} ${op.url}`, op]));
const DOCUMENTED_URLS = new Set(OPERATIONS.map((op) => op.url));

/**
 * GET /openapi.json and a browsable page at GET /docs, built from the routes the server
 * registers: a Fastify schema when a route has one, otherwise its entry in openapi-operations.
 * Register before the API routes, so their registrations are seen.
 */
export function registerOpenApi(app: FastifyInstance): void {
  const routes: SeenRoute[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, schema: route.schema });
  });
  let document: Document | undefined;
  let page: string | undefined;
  app.get('/openapi.json', async (_request, reply) => {
    document ??= buildOpenApiDocument(routes);
    return reply.header('cache-control', 'no-cache').send(document);
  });
  app.get('/docs', async (_request, reply) => {
    document ??= buildOpenApiDocument(routes);
    page ??= renderOpenApiPage(document);
    return reply
      .type('text/html; charset=utf-8')
      // The page is self-contained: no scripts, no outside hosts.
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(page);
  });
}

export function buildOpenApiDocument(routes: readonly SeenRoute[]): Document {
  const paths: Document['paths'] = {};
  const add = (url: string, method: string, operation: Record<string, unknown>) => {
    const path = url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    (paths[path] ??= {})[method.toLowerCase()] = operation;
  };
  for (const route of routes) {
    // HEAD mirrors GET; wildcards and the 405 answers of known paths are fallbacks, not operations
    if (route.method === 'HEAD' || route.url.includes('*')) continue;
    if (route.url === '/openapi.json' || route.url === '/docs') continue;
    const described = DOCUMENTED.get(`${route.method} ${route.url}`);
    if (described) add(route.url, route.method, fromDescription(described, route.schema));
    else if (route.schema) add(route.url, route.method, fromSchema(route.url, route.schema));
    else if (!DOCUMENTED_URLS.has(route.url)) {
      add(route.url, route.method, { summary: 'Undocumented route', tags: ['Undocumented'], responses: { default: { description: 'not described' } } });
    }
  }
  for (const op of OPERATIONS) if (op.unrouted) add(op.url, op.method, fromDescription(op, undefined));

  const { definitions, $schema: _schema, $id: _id, ...push } = PUSH_SCHEMA as JsonSchema & { definitions: Record<string, JsonSchema> };
  const schemas: Record<string, unknown> = { Push: rewriteRefs(push) };
  for (const [name, schema] of Object.entries(definitions)) schemas[name] = rewriteRefs(schema);
  schemas.Error = {
    type: 'object',
    description: 'Every JPush route answers errors in this shape',
    properties: { error: { type: 'object', properties: { code: { type: 'integer' }, message: { type: 'string' } }, required: ['code', 'message'] } },
    required: ['error'],
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Borealis',
      version: '3',
      description: 'Self-hosted push notifications, wire-compatible with the JPush v3 REST API.',
    },
    tags: [...new Set(OPERATIONS.map((op) => op.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      securitySchemes: { basic: { type: 'http', scheme: 'basic', description: 'appKey as user name, master secret as password' } },
    },
  };
}

function parametersOf(url: string, op: Operation | undefined): Record<string, unknown>[] {
  const inPath = [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  const inQuery = (op?.query ?? []).map((q) => ({ ...q, in: 'query', required: q.required ?? false }));
  return [...inPath, ...inQuery];
}

function fromDescription(op: Operation, schema: FastifySchema | undefined): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(op.responses)) {
    responses[status] = r.schema ? { description: r.description, content: { 'application/json': { schema: r.schema } } } : { description: r.description };
  }
  if (op.url.startsWith('/v3/')) {
    responses.default = { description: 'a JPush error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  const body = (schema?.body as JsonSchema | undefined) ?? op.body;
  const parameters = parametersOf(op.url, op);
  const description = [op.description, op.authNote && `Credentials: ${op.authNote}.`].filter(Boolean).join(' ');
  return {
    summary: op.summary,
    ...(description && { description }),
    tags: [op.tag],
    ...(parameters.length > 0 && { parameters }),
    ...(body && { requestBody: { required: true, content: { [op.bodyType ?? 'application/json']: { schema: body } } } }),
    security: op.auth ? [{ basic: [] }] : [],
    responses,
  };
}

/** A route that declares its own Fastify schema documents itself. */
function fromSchema(url: string, schema: FastifySchema): Record<string, unknown> {
  const query = schema.querystring as { properties?: Record<string, JsonSchema>; required?: string[] } | undefined;
  const parameters = [
    ...parametersOf(url, undefined),
    ...Object.entries(query?.properties ?? {}).map(([name, s]) => ({ name, in: 'query', required: query?.required?.includes(name) ?? false, schema: s })),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, s] of Object.entries((schema.response as Record<string, JsonSchema> | undefined) ?? {})) {
    responses[status] = { description: String(s.description ?? status), content: { 'application/json': { schema: s } } };
  }
  return {
    summary: String((schema as { summary?: unknown }).summary ?? url),
    ...(parameters.length > 0 && { parameters }),
    ...(schema.body !== undefined && { requestBody: { content: { 'application/json': { schema: schema.body } } } }),
    responses: Object.keys(responses).length > 0 ? responses : { default: { description: 'see the route' } },
  };
}

/** JSON Schema draft-07 `#/definitions/x` references become `#/components/schemas/x`. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof v === 'string' ? v.replace('#/definitions/', '#/components/schemas/') : rewriteRefs(v);
  }
  return out;
}
