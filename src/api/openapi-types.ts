/** The shapes the OpenAPI operation tables are written in (see openapi-operations.ts). */
export type JsonSchema = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: 'query' | 'path';
  description: string;
  required?: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** In Fastify's form: `/v3/push/:msgid`. */
  url: string;
  tag: string;
  summary: string;
  description?: string;
  /** HTTP Basic with appKey and master secret. */
  auth: boolean;
  query?: Omit<Parameter, 'in'>[];
  body?: JsonSchema;
  /** The body's media type, when not JSON. */
  bodyType?: string;
  /** Credentials other than an app's (group push). */
  authNote?: string;
  /** Status -> description, and the answer's schema when it is JSON. */
  responses: Record<string, { description: string; schema?: JsonSchema }>;
  /** Served outside Fastify's router (the WebSocket gateway). */
  unrouted?: boolean;
}
