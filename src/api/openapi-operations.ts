/**
 * What the OpenAPI document says about routes that carry no Fastify schema (today: all of
 * them; the JPush routes validate their bodies themselves, with their own error codes). The
 * document lists only routes the server registered, described here; a route missing here shows
 * up as undocumented, and a test fails on it.
 */
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

const str = { type: 'string' };
const strings = { type: 'array', items: str };
const msgId = { type: 'string', pattern: '^[0-9]+$', description: 'decimal msg_id' };
const ok = (description: string, schema?: JsonSchema) => ({ '200': schema ? { description, schema } : { description } });
const obj = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  type: 'object',
  properties,
  ...(required.length > 0 && { required }),
});
const msgIdsQuery = {
  name: 'msg_ids',
  description: 'comma-separated msg_ids, at most 100',
  required: true,
  schema: { type: 'string', example: '1613113584,1613113585' },
};
const pushAnswer = obj({ sendno: str, msg_id: msgId }, ['sendno', 'msg_id']);
const tagAliasChange = obj({ add: strings, remove: strings });

export const PUSH_BODY_REF = { $ref: '#/components/schemas/Push' };

export const OPERATIONS: Operation[] = [
  // ---- Push API ----
  {
    method: 'POST',
    url: '/v3/push',
    tag: 'Push',
    summary: 'Send a push',
    description: 'Validates the push object, stores it durably, answers with its msg_id, then delivers it.',
    auth: true,
    body: PUSH_BODY_REF,
    responses: ok('accepted', pushAnswer),
  },
  {
    method: 'POST',
    url: '/v3/push/validate',
    tag: 'Push',
    summary: 'Validate a push without sending it',
    auth: true,
    body: PUSH_BODY_REF,
    responses: ok('the push would be accepted', pushAnswer),
  },
  {
    method: 'DELETE',
    url: '/v3/push/:msgid',
    tag: 'Push',
    summary: 'Revoke (withdraw) a push',
    description: 'Undelivered copies are dropped; devices holding it are told to withdraw it.',
    auth: true,
    responses: ok('revoked'),
  },
  {
    method: 'GET',
    url: '/v3/push/cid',
    tag: 'Push',
    summary: 'Issue cids for idempotent pushes',
    auth: true,
    query: [
      { name: 'count', description: 'how many (1..1000, default 1)', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
      { name: 'type', description: 'push (default) or schedule', schema: { type: 'string', enum: ['push', 'schedule'] } },
    ],
    responses: ok('the cids', obj({ cidlist: strings }, ['cidlist'])),
  },
  // ---- Device API ----
  {
    method: 'GET',
    url: '/v3/devices/:registration_id',
    tag: 'Device',
    summary: "A device's tags, alias and mobile",
    auth: true,
    responses: ok('the device', obj({ tags: strings, alias: { type: ['string', 'null'] }, mobile: { type: ['string', 'null'] } })),
  },
  {
    method: 'POST',
    url: '/v3/devices/:registration_id',
    tag: 'Device',
    summary: "Change a device's tags, alias or mobile",
    auth: true,
    body: obj({ tags: { oneOf: [{ const: '' }, tagAliasChange] }, alias: str, mobile: str }),
    responses: ok('changed'),
  },
  {
    method: 'POST',
    url: '/v3/devices/status',
    tag: 'Device',
    summary: 'Whether devices are online, and when they were last',
    auth: true,
    body: obj({ registration_ids: strings }, ['registration_ids']),
    responses: ok('status per registration id', { type: 'object', additionalProperties: obj({ online: { type: 'boolean' }, last_online_time: str }) }),
  },
  {
    method: 'GET',
    url: '/v3/tags',
    tag: 'Device',
    summary: "The app's tags",
    auth: true,
    responses: ok('the tags', obj({ tags: strings }, ['tags'])),
  },
  {
    method: 'GET',
    url: '/v3/tags/:tag/registration_ids/:registration_id',
    tag: 'Device',
    summary: 'Whether a device has a tag',
    auth: true,
    responses: ok('the answer', obj({ result: { type: 'boolean' } }, ['result'])),
  },
  {
    method: 'POST',
    url: '/v3/tags/:tag',
    tag: 'Device',
    summary: 'Add devices to a tag or remove them',
    auth: true,
    body: obj({ registration_ids: tagAliasChange }, ['registration_ids']),
    responses: ok('changed'),
  },
  {
    method: 'DELETE',
    url: '/v3/tags/:tag',
    tag: 'Device',
    summary: 'Delete a tag from every device',
    auth: true,
    query: [{ name: 'platform', description: 'comma-separated platforms; all by default', schema: str }],
    responses: ok('deleted'),
  },
  {
    method: 'GET',
    url: '/v3/aliases/:alias',
    tag: 'Device',
    summary: 'The devices of an alias',
    auth: true,
    query: [{ name: 'platform', description: 'comma-separated platforms; all by default', schema: str }],
    responses: ok('the devices', obj({ registration_ids: strings }, ['registration_ids'])),
  },
  {
    method: 'DELETE',
    url: '/v3/aliases/:alias',
    tag: 'Device',
    summary: 'Delete an alias from every device',
    auth: true,
    query: [{ name: 'platform', description: 'comma-separated platforms; all by default', schema: str }],
    responses: ok('deleted'),
  },
  {
    method: 'POST',
    url: '/v3/aliases/:alias',
    tag: 'Device',
    summary: 'Remove devices from an alias',
    auth: true,
    body: obj({ registration_ids: obj({ remove: strings }) }, ['registration_ids']),
    responses: ok('changed'),
  },
  // ---- Report API ----
  {
    method: 'GET',
    url: '/v3/received',
    tag: 'Report',
    summary: 'Received counts per push',
    auth: true,
    query: [msgIdsQuery],
    responses: ok('one entry per msg_id', { type: 'array', items: { type: 'object' } }),
  },
  {
    method: 'GET',
    url: '/v3/received/detail',
    tag: 'Report',
    summary: 'Received, clicked and per-platform figures per push',
    auth: true,
    query: [msgIdsQuery],
    responses: ok('one entry per msg_id', { type: 'array', items: { type: 'object' } }),
  },
  {
    method: 'GET',
    url: '/v3/messages',
    tag: 'Report',
    summary: 'Message statistics per push',
    auth: true,
    query: [msgIdsQuery],
    responses: ok('one entry per msg_id', { type: 'array', items: { type: 'object' } }),
  },
  {
    method: 'GET',
    url: '/v3/messages/detail',
    tag: 'Report',
    summary: 'Message statistics per push, channel and platform',
    auth: true,
    query: [msgIdsQuery],
    responses: ok('one entry per msg_id', { type: 'array', items: { type: 'object' } }),
  },
  {
    method: 'POST',
    url: '/v3/status/message',
    tag: 'Report',
    summary: 'Delivery status of one push on given devices',
    auth: true,
    body: obj({ msg_id: { oneOf: [msgId, { type: 'integer' }] }, registration_ids: strings, date: { type: 'string', format: 'date' } }, ['msg_id', 'registration_ids']),
    responses: ok('status per registration id', { type: 'object', additionalProperties: obj({ status: { type: 'integer' } }) }),
  },
  {
    method: 'GET',
    url: '/v3/status/message/:msg_id/:registration_id',
    tag: 'Report',
    summary: 'Where one push stands on one device (Borealis extension)',
    auth: true,
    responses: ok('the trace', { type: 'object' }),
  },
  {
    method: 'POST',
    url: '/v3/push/file',
    tag: 'Push',
    summary: 'Push to the devices listed in an uploaded file',
    description: 'A push object whose audience is {"file": {"file_id": ...}} and nothing else.',
    auth: true,
    body: PUSH_BODY_REF,
    responses: ok('accepted', pushAnswer),
  },
  {
    method: 'POST',
    url: '/v3/push/batch/regid/single',
    tag: 'Push',
    summary: 'Batch of single pushes, each to one registration id',
    description: 'pushlist maps a cid (from GET /v3/push/cid) to one push with its own content; each entry is answered on its own.',
    auth: true,
    body: obj({ pushlist: { type: 'object', additionalProperties: { type: 'object' }, maxProperties: 1000 } }, ['pushlist']),
    responses: ok('one answer per cid', { type: 'object', additionalProperties: { type: 'object' } }),
  },
  {
    method: 'POST',
    url: '/v3/push/batch/alias/single',
    tag: 'Push',
    summary: 'Batch of single pushes, each to one alias',
    auth: true,
    body: obj({ pushlist: { type: 'object', additionalProperties: { type: 'object' }, maxProperties: 1000 } }, ['pushlist']),
    responses: ok('one answer per cid', { type: 'object', additionalProperties: { type: 'object' } }),
  },
  {
    method: 'POST',
    url: '/v3/grouppush',
    tag: 'Push',
    summary: 'Push to every app of a group',
    auth: true,
    authNote: 'user name group-GROUP_KEY, the group secret as password',
    body: PUSH_BODY_REF,
    responses: ok('accepted', { type: 'object' }),
  },
  {
    method: 'POST',
    url: '/v3/grouppush/file',
    tag: 'Push',
    summary: "Group push to the devices in one of the group's files",
    auth: true,
    authNote: 'user name group-GROUP_KEY, the group secret as password',
    body: PUSH_BODY_REF,
    responses: ok('accepted', { type: 'object' }),
  },
  // ---- Schedule API ----
  {
    method: 'POST',
    url: '/v3/schedules',
    tag: 'Schedule',
    summary: 'Create a schedule (single or periodical trigger)',
    auth: true,
    body: obj({ cid: str, name: str, enabled: { const: true }, trigger: { type: 'object' }, push: PUSH_BODY_REF }, ['name', 'enabled', 'trigger', 'push']),
    responses: ok('the schedule id and name', obj({ schedule_id: str, name: str })),
  },
  {
    method: 'GET',
    url: '/v3/schedules',
    tag: 'Schedule',
    summary: "The app's schedules, 50 to a page",
    auth: true,
    query: [{ name: 'page', description: 'page number, from 1', schema: { type: 'integer', minimum: 1 } }],
    responses: ok('a page', obj({ total_count: { type: 'integer' }, total_pages: { type: 'integer' }, page: { type: 'integer' }, schedules: { type: 'array', items: { type: 'object' } } })),
  },
  {
    method: 'GET',
    url: '/v3/schedules/:id',
    tag: 'Schedule',
    summary: 'One schedule',
    auth: true,
    responses: ok('the schedule', { type: 'object' }),
  },
  {
    method: 'PUT',
    url: '/v3/schedules/:id',
    tag: 'Schedule',
    summary: "Change a schedule's name, trigger, push or enabled",
    auth: true,
    body: obj({ name: str, enabled: { type: 'boolean' }, trigger: { type: 'object' }, push: PUSH_BODY_REF }),
    responses: ok('the schedule after the change', { type: 'object' }),
  },
  {
    method: 'DELETE',
    url: '/v3/schedules/:id',
    tag: 'Schedule',
    summary: 'Delete a schedule',
    auth: true,
    responses: ok('deleted'),
  },
  {
    method: 'GET',
    url: '/v3/schedules/:id/msg_ids',
    tag: 'Schedule',
    summary: 'The msg_ids of the pushes a schedule has sent',
    auth: true,
    responses: ok('the msg_ids', { type: 'object' }),
  },
  // ---- File API ----
  {
    method: 'POST',
    url: '/v3/files/:type',
    tag: 'File',
    summary: 'Upload a file of registration ids or aliases (type registration_id or alias), one per line',
    auth: true,
    authNote: 'an app, or group-GROUP_KEY for group files',
    body: obj({ filename: { type: 'string', contentMediaType: 'text/plain' } }, ['filename']),
    bodyType: 'multipart/form-data',
    responses: ok('the file id', obj({ file_id: str }, ['file_id'])),
  },
  {
    method: 'GET',
    url: '/v3/files',
    tag: 'File',
    summary: 'The files of the app (or group)',
    auth: true,
    responses: ok('the files', obj({ total_count: { type: 'integer' }, files: { type: 'array', items: { type: 'object' } } })),
  },
  {
    method: 'GET',
    url: '/v3/files/:id',
    tag: 'File',
    summary: 'One file',
    auth: true,
    responses: ok('the file', obj({ type: str, file_id: str, file_name: str, create_time: str, expire_time: str })),
  },
  {
    method: 'DELETE',
    url: '/v3/files/:id',
    tag: 'File',
    summary: 'Delete a file (an unknown id is a success too)',
    auth: true,
    responses: ok('deleted'),
  },
  // ---- devices and operations ----
  {
    method: 'POST',
    url: '/v1/devices/register',
    tag: 'Device protocol',
    summary: 'Register a device (the SDK calls this)',
    description: 'Without registration_id, registers a new device; with registration_id and device_secret, updates its tokens.',
    auth: false,
    body: obj({ app_key: str, platform: { type: 'string', enum: ['android', 'ios', 'hmos', 'quickapp', 'web'] }, tokens: { type: 'object' }, registration_id: str, device_secret: str }, ['app_key', 'platform']),
    responses: ok('the device credentials', obj({ registration_id: str, device_secret: str }, ['registration_id', 'device_secret'])),
  },
  {
    method: 'GET',
    url: '/v1/gateway',
    tag: 'Device protocol',
    summary: 'Device WebSocket session (see docs/protocol.md)',
    description: 'A WebSocket upgrade: authenticated with the registration id and device secret; pushes, acks, tags and alias travel as JSON frames.',
    auth: false,
    unrouted: true,
    responses: { '101': { description: 'switching to the WebSocket protocol' } },
  },
  // ---- EMAS OpenAPI (Alibaba Cloud Mobile Push, version 2016-08-01) ----
  {
    method: 'GET',
    url: '/',
    tag: 'EMAS OpenAPI',
    summary: 'EMAS RPC call: every parameter in the query (Action=Push, QueryPushStatByMsg, BindTag, ...)',
    description: 'Alibaba Cloud POP RPC: the common parameters (Action, Version=2016-08-01, Format, AccessKeyId, SignatureMethod=HMAC-SHA1, SignatureVersion=1.0, SignatureNonce, Timestamp, Signature) and the action\'s own; see docs/compatibility.md for every action and parameter. Errors: {RequestId, HostId, Code, Message}.',
    authNote: 'an AccessKey pair (borealis app accesskey), signature v1 over the canonical query',
    auth: false,
    query: [
      { name: 'Action', description: 'the action, case-sensitive', required: true, schema: str },
      { name: 'Version', description: '2016-08-01', required: true, schema: { type: 'string', const: '2016-08-01' } },
      { name: 'AccessKeyId', description: 'the AccessKey', required: true, schema: str },
      { name: 'Signature', description: 'Base64 HMAC-SHA1 of the string to sign', required: true, schema: str },
      { name: 'Format', description: 'JSON or XML (the default)', schema: { type: 'string', enum: ['JSON', 'XML'] } },
    ],
    responses: ok('the action\'s answer, with RequestId'),
  },
  {
    method: 'POST',
    url: '/',
    tag: 'EMAS OpenAPI',
    summary: 'EMAS RPC call: parameters in a form body (and the query), as Alibaba Cloud SDKs send them',
    description: 'The same call as GET /, signed over the query and the form body together.',
    authNote: 'an AccessKey pair (borealis app accesskey), signature v1 over the canonical query',
    auth: false,
    body: { type: 'object', additionalProperties: str },
    bodyType: 'application/x-www-form-urlencoded',
    responses: ok('the action\'s answer, with RequestId'),
  },
  {
    method: 'GET',
    url: '/healthz',
    tag: 'Operations',
    summary: 'Liveness: answers when the store answers',
    auth: false,
    responses: ok('healthy', obj({ status: { const: 'ok' } }, ['status'])),
  },
  {
    method: 'GET',
    url: '/metrics',
    tag: 'Operations',
    summary: 'Prometheus metrics (text format)',
    auth: false,
    responses: { '200': { description: 'metrics in the Prometheus text format' } },
  },
];
